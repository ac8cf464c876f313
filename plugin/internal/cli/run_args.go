package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// runArgs checks run's arguments. run takes none: 'run mystudy' most likely
// meant 'run -t mystudy' (librec-auto's flag), and says so.
func runArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return exit.New(exit.Usage, fmt.Sprintf("run takes no argument, got %q", args[0]),
			fmt.Sprintf("to post the study in %q, name it with -t: dropbox-post run -t %s", args[0], shellQuote(args[0])))
	}
	return nil
}

// inStudy checks, when run names neither a study (-t) nor a config
// (--config), that the current directory is a study (holds
// conf/config.xml): run from anywhere else says so and how to name the
// study, rather than that a file cannot be read.
func inStudy(target, config string) error {
	if target != "" || config != "" {
		return nil
	}
	_, err := os.Stat(configschema.StudyConfig(".", "config.xml"))
	if errors.Is(err, fs.ErrNotExist) {
		return exit.New(exit.Usage, "not a study (no "+filepath.ToSlash(filepath.Join("conf", "config.xml"))+" here)",
			"pass -t STUDY, or run it from the study's directory")
	}
	return nil
}
