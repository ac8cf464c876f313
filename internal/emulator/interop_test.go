package emulator

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJavaScriptSDKInterop runs interop/js/interop.mjs: the official
// Dropbox JavaScript SDK (npm package dropbox, pinned in
// interop/js/package-lock.json) against this emulator. It needs node and
// the npm packages, which 'make test' installs; without them it fails.
func TestJavaScriptSDKInterop(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("interop", "js"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node.js, then run 'make test' (it runs npm ci in interop/js)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dropbox", "package.json")); err != nil {
		t.Fatalf("the Dropbox JavaScript SDK is not installed in %s: run 'make test' (it runs npm ci there)", dir)
	}

	s, base := start(t, Options{})
	refresh, err := s.NewRefreshToken("interop-app")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a hang guard, generous for a loaded machine
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "EMULATOR_URL="+base, "DROPBOX_TOKEN="+testToken,
		"APP_KEY=interop-app", "REFRESH_TOKEN="+refresh)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("node interop.mjs:\n%s", out.String())
	if err != nil {
		t.Fatalf("the JavaScript SDK failed against the emulator: %v", err)
	}
	if !strings.Contains(out.String(), "interop: 7 passed, 0 failed") {
		t.Fatalf("not every check ran")
	}

	// What the SDK wrote is what the emulator stored.
	for path, want := range map[string]string{
		"/interop/small.txt":   "hello from js",
		"/interop/session.txt": "first part, second part, last part",
		"/interop/batch/1.txt": "batch file 1",
	} {
		info, data, err := s.File(path)
		if err != nil || string(data) != want || info.ContentHash != hashOf([]byte(want)) {
			t.Errorf("%s: %q %+v %v", path, data, info, err)
		}
	}
	st := s.Stats()
	if st.Routes["oauth2/token"].Statuses["200"] != 1 || st.Routes["files/upload_session/finish_batch_v2"].Requests != 1 {
		t.Errorf("stats %+v", st.Routes)
	}
}
