package cli

import (
	"path/filepath"
	"sort"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdManifest is "manifest DIR VAR": it sets $VAR to the newest manifest
// (*.json, by name: named by start time) in DIR, for verify --manifest.
func cmdManifest(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: manifest DIR VAR")
	}
	names, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.json"))
	ts.Check(err)
	if len(names) == 0 {
		ts.Fatalf("no manifest in %s", args[0])
	}
	sort.Strings(names)
	ts.Setenv(args[1], names[len(names)-1])
}
