package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/librec-auto/dropbox-post/plugin/internal/runlog"
)

// cmdRunLogs is the scenarios' "runlogs STUDY": it prints to stdout how
// many run logs STUDY holds, then the newest one, so that stdout can be
// matched; it fails if a log is not mode 0600.
func cmdRunLogs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: runlogs STUDY")
	}
	dir := filepath.Join(ts.MkAbs(args[0]), runlog.Dir)
	entries, err := os.ReadDir(dir)
	ts.Check(err)
	var names []string
	for _, e := range entries {
		info, err := e.Info()
		ts.Check(err)
		if info.Mode().Perm() != 0o600 {
			ts.Fatalf("run log %s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	fmt.Fprintf(ts.Stdout(), "%d logs\n", len(names))
	if len(names) > 0 {
		b, err := os.ReadFile(filepath.Join(dir, names[len(names)-1]))
		ts.Check(err)
		ts.Stdout().Write(b)
	}
}
