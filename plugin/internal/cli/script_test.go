package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the dropbox-post command in-process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dropbox-post":       func() { os.Exit(Main(OSEnv(), os.Args[1:])) },
		"dropbox-post-stuck": func() { os.Exit(stuckMain()) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script: each file is what a
// user types and what they must see.
func TestScripts(t *testing.T) {
	vectors, err := filepath.Abs("../keyfile/testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			// VECTORS holds librec-auto-legacy/ and the project's own vectors.
			e.Setenv("VECTORS", vectors)
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			return nil
		},
		Cmds: scriptCommands(),
	})
}
