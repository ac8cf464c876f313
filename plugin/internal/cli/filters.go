package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// filterFlags are --exclude, --include, --exclude-from and --max-size
// (push, run, verify): a person's choice of what to leave out. A config
// element's own exclude, include and max_size params narrow it further.
type filterFlags struct {
	exclude, include, excludeFrom []string
	maxSize                       string
	spec                          filter.Spec // read by check
}

func (f *filterFlags) register(fs *pflag.FlagSet) {
	// StringArray, not StringSlice: a pattern may hold a comma ("*.{bin,pkl}").
	fs.StringArrayVar(&f.exclude, "exclude", nil, "leave out files matching `PATTERN` (repeatable; * within a folder name, ** across folders, ?, [...], {a,b}; a leading / anchors at LOCAL)")
	fs.StringArrayVar(&f.include, "include", nil, "post only files matching `PATTERN` (repeatable; excludes win)")
	fs.StringArrayVar(&f.excludeFrom, "exclude-from", nil, "read exclude patterns from `FILE`, one a line (# comments and blank lines skipped; repeatable)")
	fs.StringVar(&f.maxSize, "max-size", "", "leave out files larger than `SIZE` (bytes, or 10M, 1G, 512K)")
}

// set reports whether any filter flag was given.
func (f *filterFlags) set(cmd interface{ Flags() *pflag.FlagSet }) bool {
	for _, n := range []string{"exclude", "include", "exclude-from", "max-size"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// check reads the flags (and the --exclude-from files) into f.spec, before
// anything is sent: a bad pattern or size is a usage error (2), an
// --exclude-from file that cannot be read a local one (10).
func (f *filterFlags) check() error {
	s := filter.Spec{From: "flags", Exclude: append([]string(nil), f.exclude...), Include: f.include}
	for _, name := range f.excludeFrom {
		pats, err := readPatternFile(name)
		if err != nil {
			return err
		}
		s.Exclude = append(s.Exclude, pats...)
	}
	if f.maxSize != "" {
		n, err := filter.ParseSize(f.maxSize)
		if err != nil {
			return exit.New(exit.Usage, "--max-size "+err.Error(), "")
		}
		s.MaxSize = n
	}
	if _, err := filter.New(s); err != nil {
		return exit.New(exit.Usage, err.Error(), "fix the pattern (see \"Choosing what to post\" in docs/commands.md)")
	}
	f.spec = s
	return nil
}

// readPatternFile reads an --exclude-from file, which must be a regular
// file (a FIFO is refused without waiting on it).
func readPatternFile(name string) ([]string, error) {
	file, err := regularfile.Open(name)
	if err != nil {
		var nr *regularfile.NotRegularError
		if errors.As(err, &nr) {
			return nil, exit.New(exit.Local, fmt.Sprintf("--exclude-from %q: %v", name, nr), "give a file of patterns, one a line")
		}
		return nil, exit.New(exit.Local, fmt.Sprintf("--exclude-from %q cannot be read: %v", name, unwrapPath(err)), "check the file name")
	}
	defer file.Close()
	pats, err := filter.ReadPatterns(file)
	if err != nil {
		return nil, exit.New(exit.Usage, fmt.Sprintf("--exclude-from %q: %v", name, err), "fix that line")
	}
	return pats, nil
}

// unwrapPath returns the cause of a *fs.PathError (the path is named
// already).
func unwrapPath(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// flagFilter is the filter of the flags alone, which check has read.
func flagFilter(f *filterFlags) *filter.Filter {
	fl, err := filter.New(f.spec)
	if err != nil { // check has compiled the same spec
		panic(err)
	}
	return fl
}
