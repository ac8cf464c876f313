package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile/keyvectors"
	"github.com/librec-auto/dropbox-post/plugin/internal/shiminstall"
)

// TestShim runs the scenarios in testdata/script/shim: librec-auto's call
// of the shim (dropbox-post.py), made with python3 as librec-auto makes it.
// In them $SHIM is the shim the binary carries, written to a folder of its
// own, $PYTHON3 the interpreter's own path (for scenarios that empty PATH),
// DROPBOX_POST_BIN this test's dropbox-post, which testscript puts
// first on PATH: never a bin/dropbox-post left over from another build, and
// $NOTTY the program that runs its arguments without a controlling
// terminal (runDetached): every Python a scenario starts runs through it,
// since the shim writes on /dev/tty, and 'go test' may run on the
// developer's terminal.
func TestShim(t *testing.T) {
	python, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("the shim's tests run it with python3, as librec-auto does: install Python 3.8 or later (python3 on PATH): %v", err)
	}
	bin, err := exec.LookPath("dropbox-post")
	if err != nil {
		t.Fatalf("testscript did not put dropbox-post on PATH: %v", err)
	}
	notty, err := exec.LookPath("notty")
	if err != nil {
		t.Fatalf("testscript did not put notty on PATH: %v", err)
	}
	shim := filepath.Join(t.TempDir(), "dropbox-post.py")
	if err := os.WriteFile(shim, shiminstall.Source, 0o755); err != nil {
		t.Fatal(err)
	}
	demo, err := filepath.Abs("../../../studies/movielens-demo")
	if err != nil {
		t.Fatal(err)
	}
	replay, err := filepath.Abs("testdata/librec_replay.py")
	if err != nil {
		t.Fatal(err)
	}
	vectors := keyvectors.Dir(t)
	cmds := scriptCommands()
	cmds["emufiles"] = cmdEmuFiles
	cmds["watchcmdline"] = cmdWatchCmdline
	cmds["cpdir"] = cmdCpDir
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script/shim",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("SHIM", shim)
			e.Setenv("PYTHON3", strings.TrimSpace(string(python)))
			e.Setenv("DROPBOX_POST_BIN", bin)
			e.Setenv("NOTTY", notty)
			e.Setenv("VECTORS", vectors)
			e.Setenv("REPLAY", replay)
			e.Setenv("DEMO", demo)
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			return nil
		},
		Cmds: cmds,
	})
}

// cmdEmuFiles prints the files the emulator at $DROPBOX_API_URL holds, one
// "PATH SIZE" a line, for stdout to match: 'emufiles'.
func cmdEmuFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: emufiles")
	}
	resp, err := http.Get(ts.Getenv("DROPBOX_API_URL") + "/emulator/files")
	if err != nil {
		ts.Fatalf("emufiles: %v", err)
	}
	defer resp.Body.Close()
	var files []emulator.FileInfo
	if err := json.NewDecoder(resp.Body).Decode(&files); err != nil {
		ts.Fatalf("emufiles: %v", err)
	}
	for _, f := range files {
		fmt.Fprintf(ts.Stdout(), "%s %d\n", f.Path, f.Size)
	}
}

// cmdCpDir is "cpdir SRC DST": it copies the folder SRC to DST (which must
// not exist), as the scenarios' cp does for files.
func cmdCpDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cpdir SRC DST")
	}
	ts.Check(os.CopyFS(ts.MkAbs(args[1]), os.DirFS(ts.MkAbs(args[0]))))
}
