package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// runArgs checks run's arguments. run takes none: 'run mystudy' most likely
// meant 'run -t mystudy' (librec-auto's flag), and 'run conf/config.xml' the
// study that config is in, or --config; each says the command that works.
func runArgs(_ *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	arg := args[0]
	what := fmt.Sprintf("run takes no argument, got %q", arg)
	fi, err := os.Stat(arg)
	isFile := err == nil && !fi.IsDir() || err != nil && strings.EqualFold(filepath.Ext(arg), ".xml")
	if !isFile {
		return exit.New(exit.Usage, what,
			fmt.Sprintf("to post the study in %q, name it with -t: dropbox-post run -t %s", arg, shellQuote(arg)))
	}
	conf := filepath.Dir(filepath.Clean(arg))
	if filepath.Base(arg) == "config.xml" && filepath.Base(conf) == "conf" {
		study := filepath.Dir(conf)
		return exit.New(exit.Usage, what,
			fmt.Sprintf("to post the study it belongs to, name the study with -t: dropbox-post run -t %s", shellQuote(study)))
	}
	return exit.New(exit.Usage, what,
		fmt.Sprintf("to post with that config, give it with --config: dropbox-post run --config %s (the study is the current directory, or -t STUDY)", shellQuote(arg)))
}

// inStudy checks, when run names no config (--config), that the study
// (-t DIR, or the current directory) holds conf/config.xml: a study that
// is not there says so and how to name it, as a usage error (exit 2),
// rather than that a file cannot be read. A config that is there but
// cannot be read is the config's problem (exit 3), found later.
func inStudy(target, config string) error {
	if config != "" {
		return nil
	}
	want := filepath.ToSlash(filepath.Join("conf", "config.xml"))
	if target == "" {
		_, err := os.Stat(configschema.StudyConfig(".", "config.xml"))
		if errors.Is(err, fs.ErrNotExist) {
			return exit.New(exit.Usage, "not a study (no "+want+" here)",
				"pass -t STUDY, or run it from the study's directory")
		}
		return nil
	}
	hint := "pass -t the study's directory (the one holding " + want + "), or --config FILE"
	if fi, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		return exit.New(exit.Usage, fmt.Sprintf("no study at %q: no such directory", target), hint)
	} else if err == nil && !fi.IsDir() {
		return exit.New(exit.Usage, fmt.Sprintf("%q is not a study: it is not a directory", target), hint)
	}
	_, err := os.Stat(configschema.StudyConfig(target, "config.xml"))
	if errors.Is(err, fs.ErrNotExist) {
		return exit.New(exit.Usage, fmt.Sprintf("%q is not a study: it holds no %s", target, want), hint)
	}
	return nil
}
