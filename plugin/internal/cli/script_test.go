package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile/keyvectors"
)

// TestMain lets testscript run the dropbox-post command in-process. Key
// files the tests write use the cheapest Argon2id work factor (a test-only
// hook; package keyfile checks the real one), so that the scenarios do not
// spend minutes in key derivation on a loaded machine. It is set before
// testscript.Main, so it holds in the processes the scenarios start too.
// Each dropbox-post a scenario starts leaves the terminal 'go test' runs on
// (detachTerminal); only ttyin gives it one. Any other program a scenario
// starts that could write on a terminal runs as '$NOTTY PROGRAM ARGS…',
// without one (runDetached).
func TestMain(m *testing.M) {
	keyfile.UseCheapWorkFactor()
	testscript.Main(m, map[string]func(){
		"dropbox-post":            func() { detachTerminal(); os.Exit(Main(OSEnv(), os.Args[1:])) },
		"dropbox-post-stuck":      func() { os.Exit(stuckMain()) },
		"dropbox-post-background": func() { os.Exit(backgroundMain()) },
		"notty":                   func() { os.Exit(runDetached(os.Args[1:])) },
	})
}

// TestScripts runs the CLI scenarios in testdata/script: each file is what a
// user types and what they must see.
func TestScripts(t *testing.T) {
	vectors := keyvectors.Dir(t)
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
