package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// scriptEmulatorCmd is the scenarios' "emulator [flags…]" command: it
// starts an in-process emulator with the flags of 'dropbox-post emulator',
// points DROPBOX_API_URL at it for the commands that follow, and stops it
// when the script ends.
func scriptEmulatorCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emulator")
	}
	var f emulatorFlags
	fs := pflag.NewFlagSet("emulator", pflag.ContinueOnError)
	f.bind(fs)
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("emulator: %v", err)
	}
	if fs.NArg() > 0 {
		ts.Fatalf("emulator: unexpected arguments %q", fs.Args())
	}
	if f.dataDir != "" {
		f.dataDir = ts.MkAbs(f.dataDir)
	}
	opts, err := f.options()
	if err != nil {
		ts.Fatalf("emulator: %v", err)
	}
	srv, err := emulator.New(opts)
	if err != nil {
		ts.Fatalf("emulator: %v", err)
	}
	ts.Defer(func() { srv.Close() })
	base, err := srv.Start(f.listen)
	if err != nil {
		ts.Fatalf("emulator: %v", err)
	}
	ts.Setenv("DROPBOX_API_URL", base)
}

// TestEmulatorCommand runs 'dropbox-post emulator' as a user would: the
// first line on stdout is the base URL, the API answers there, and an
// interrupt stops it with exit code 0.
func TestEmulatorCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &stderr, Getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, env, []string{"emulator", "--listen", "127.0.0.1:0", "--token", "cli-token", "--data", t.TempDir()})
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL on stdout: %v; stderr: %s", err, stderr.String())
	}
	base := strings.TrimSpace(line)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(base) {
		t.Fatalf("first line %q", line)
	}
	req, _ := http.NewRequest("POST", base+"/2/users/get_current_account", nil)
	req.Header.Set("Authorization", "Bearer cli-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("get_current_account: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after interrupt; stderr: %s", code, stderr.String())
		}
	case <-time.After(3 * time.Minute): // a hang guard, generous for a loaded machine
		t.Fatal("the emulator did not stop")
	}
	if !strings.Contains(stderr.String(), "emulator listening") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
