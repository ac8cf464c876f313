//go:build unix

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile/keyvectors"
)

// The tests here run the dropbox-post binary on a pseudo-terminal, as a
// person sees it, against an in-process emulator whose hook orders events
// (no assertion depends on how fast the machine is).

// ttyRun is dropbox-post running on a pseudo-terminal: stdout and stderr
// both go to it, as in a terminal window.
type ttyRun struct {
	cmd  *exec.Cmd
	tty  *os.File // the terminal's side the person types on
	out  syncBuffer
	done chan struct{} // closed when the output is all read
}

func startOnTTY(t *testing.T, base string, args ...string) *ttyRun {
	t.Helper()
	return startOnTTYIn(t, "", base, args...)
}

// startOnTTYIn is startOnTTY in the folder dir ("": a new one).
func startOnTTYIn(t *testing.T, dir, base string, args ...string) *ttyRun {
	t.Helper()
	return startProgramOnTTY(t, dir, base, "dropbox-post", args...)
}

// startProgramOnTTY is startOnTTYIn running prog, one of TestMain's
// commands.
func startProgramOnTTY(t *testing.T, dir, base, prog string, args ...string) *ttyRun {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DROPBOX_API_URL="+base, "DROPBOX_ACCESS_TOKEN="+emutest.Token, "DROPBOX_POST_PASSWORD=")
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	r := &ttyRun{cmd: cmd, tty: f, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			r.out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		f.Close()
	})
	return r
}

// wait waits for the program to end and returns its exit code.
func (r *ttyRun) wait(t *testing.T) int {
	t.Helper()
	err := r.cmd.Wait()
	<-r.done
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return r.cmd.ProcessState.ExitCode()
}

// screen is what the terminal shows in the end: the output with carriage
// returns and "erase to end of line" applied, one string per line, empty
// lines left out.
func screen(out string) []string {
	var lines []string
	var cur []rune
	col := 0
	flush := func() {
		if s := strings.TrimRight(string(cur), " "); s != "" {
			lines = append(lines, s)
		}
		cur, col = nil, 0
	}
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			flush()
		case r == 0x1b && i+2 < len(rs) && rs[i+1] == '[' && rs[i+2] == 'K':
			cur = cur[:col]
			i += 2
		default:
			if col < len(cur) {
				cur[col] = r
			} else {
				cur = append(cur, r)
			}
			col++
		}
	}
	flush()
	return lines
}

// smallFiles writes n files of size bytes under a new folder.
func smallFiles(t *testing.T, n, size int) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		data := bytes.Repeat([]byte{byte(i)}, size)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.csv", i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startTTYEmulator starts an emulator with o and returns its base URL.
func startTTYEmulator(t *testing.T, o emulator.Options) string {
	t.Helper()
	srv, _ := emutest.Start(t, o, emutest.FastPolicy)
	return srv.URL()
}

var ttyRateRE = regexp.MustCompile(`([0-9.]+) (B|KiB|MiB|GiB)/s`)

// TestTerminalProgress: something is on the terminal before Dropbox
// answers anything (the emulator holds the first request until the test
// has seen a phase line), rates and a labelled time left are drawn, and
// the status line is cleared at the end. That no rate shown is above the
// link's is asserted with a fake clock (progress.TestRateNeverAboveTheLink,
// TestBufferBurstNotInTheRate): here, on the wall clock, a busy machine
// drew 8.5 to 9.4 MiB/s on a link of 8, so the highest is only logged.
func TestTerminalProgress(t *testing.T) {
	const link = 8 << 20 // bytes per second
	seen := make(chan struct{})
	var first atomic.Bool
	var r *ttyRun
	var ready sync.WaitGroup
	ready.Add(1)
	base := startTTYEmulator(t, emulator.Options{Bandwidth: link, Hook: func(e emulator.Event) {
		if e.Phase != emulator.BeforeWork || !first.CompareAndSwap(false, true) {
			return
		}
		ready.Wait()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			if out := r.out.String(); strings.Contains(out, "scanning") || strings.Contains(out, "listing Dropbox") {
				close(seen)
				return
			}
			if time.Now().After(deadline) {
				return // the test fails below: nothing was shown
			}
		}
	}})
	// Three packs of files (8 MiB, 8 MiB, 1.6 MiB), one at a time: each is
	// acknowledged whole, at its end, after 1 s, 2 s and 2.2 s.
	dir := smallFiles(t, 44, 400<<10)
	r = startOnTTY(t, base, "push", "--no-manifest", "--parallel", "1", dir, "/tty")
	ready.Done()
	code := r.wait(t)
	out := r.out.String()
	select {
	case <-seen:
	default:
		t.Fatalf("no phase was shown before Dropbox answered; the terminal got:\n%q", out)
	}
	if code != 0 {
		t.Fatalf("exit code %d:\n%s", code, out)
	}
	rates, highest := 0, 0.0
	for _, m := range ttyRateRE.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		v *= map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
		highest = max(highest, v)
		rates++
	}
	t.Logf("%d rates drawn, the highest %.2f MiB/s on a link of %.2f MiB/s", rates, highest/(1<<20), float64(link)/(1<<20))
	if rates == 0 || !strings.Contains(out, "ETA ") {
		t.Errorf("no rate or no labelled time left was drawn during a transfer of 2 s:\n%q", out)
	}
	lines := screen(out)
	if len(lines) != 1 || !strings.Contains(lines[0], "44 uploaded (17.2 MiB)") {
		t.Errorf("the screen at the end should hold the summary only (the status line cleared), got:\n%s", strings.Join(lines, "\n"))
	}
}

// TestTerminalCtrlC: a push of 100 files is interrupted (SIGINT) when its
// second append_batch is on its way (the first pack's second request: the
// second pack never starts); the terminal then shows at most 15 lines,
// calls the files "not confirmed", not failed, those never sent included,
// lists 10 of them and how many more, and the exit code is 130.
func TestTerminalCtrlC(t *testing.T) {
	var packs atomic.Int32
	release := make(chan struct{})
	var r *ttyRun
	var ready sync.WaitGroup
	ready.Add(1)
	base := startTTYEmulator(t, emulator.Options{Latency: 10 * time.Millisecond, Hook: func(e emulator.Event) {
		if e.Phase != emulator.BeforeWork || e.Route != "files/upload_session/append_batch" || packs.Add(1) != 2 {
			return
		}
		ready.Wait()
		r.cmd.Process.Signal(syscall.SIGINT)
		<-release // the request never completes: the push must stop on its own
	}})
	defer close(release)
	dir := smallFiles(t, 100, 160<<10) // two packs of 8 MiB, one at a time
	r = startOnTTY(t, base, "push", "--parallel", "1", dir, "/tty")
	ready.Done()
	code := r.wait(t)
	out := r.out.String()
	lines := screen(out)
	shown := strings.Join(lines, "\n")
	if code != 130 {
		t.Fatalf("exit code %d, want 130:\n%s", code, shown)
	}
	t.Logf("%d lines on the terminal after Ctrl-C", len(lines))
	if len(lines) > 15 {
		t.Errorf("%d lines after Ctrl-C, want at most 15:\n%s", len(lines), shown)
	}
	for _, want := range []string{"interrupted: stopping", "not confirmed (interrupted", `  not confirmed: "f0`, "dropbox-post: "} {
		if !strings.Contains(shown, want) {
			t.Errorf("the terminal does not say %q:\n%s", want, shown)
		}
	}
	if !regexp.MustCompile(`\n  … and \d+ more not confirmed \(.*--output json lists? them all\)\n`).MatchString(shown) {
		t.Errorf("no count of the files not listed:\n%s", shown)
	}
	if strings.Contains(shown, "FAILED") || regexp.MustCompile(`[1-9]\d* failed`).MatchString(shown) {
		t.Errorf("interrupted files are called failed:\n%s", shown)
	}
	if !strings.Contains(lines[len(lines)-1], "interrupted") {
		t.Errorf("the last line does not say the push was interrupted:\n%s", shown)
	}
}

// keyStudy writes a study whose one element posts exp00000 to /demo with
// the key file keys/dropbox.enc (password hunter2), given with -k (an
// empty password param), and returns its folder.
func keyStudy(t *testing.T) string {
	t.Helper()
	study := t.TempDir()
	key := keyvectors.Read(t, "librec-auto-legacy/01-typical.enc") // password hunter2
	for name, data := range map[string]string{
		"keys/dropbox.enc": string(key),
		"exp00000/out.txt": "1,2,3\n",
		"conf/config.xml": `<librec-auto><post><script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">folder</param><param name="encrypted_key">keys/dropbox.enc</param>
<param name="path">exp00000</param><param name="dest">/demo</param><param name="password"/></script></post></librec-auto>`,
	} {
		os.MkdirAll(filepath.Join(study, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(study, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return study
}

// TestTerminalPrompt: the password prompt on the terminal is not drawn
// over by the status line: the phase before it is cleared, and nothing is
// drawn until the password is typed.
func TestTerminalPrompt(t *testing.T) {
	base := startTTYEmulator(t, emulator.Options{Tokens: []string{"sl.B0aFakeShortLivedToken-abc_123XYZ"}}) // the key file's
	study := keyStudy(t)
	r := startOnTTYIn(t, study, base, "run", "--no-manifest")
	for !strings.Contains(r.out.String(), "Password for") {
		select {
		case <-r.done:
			t.Fatalf("no prompt:\n%q", r.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(300 * time.Millisecond) // a tick or more: nothing may be drawn now
	if _, err := r.tty.Write([]byte("hunter2\r")); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d:\n%q", code, r.out.String())
	}
	lines := screen(r.out.String())
	prompt := -1
	for i, l := range lines {
		if strings.Contains(l, "Password for") {
			prompt = i
			if !strings.HasPrefix(l, "Password for key file") {
				t.Errorf("the prompt shares its line: %q", l)
			}
		}
	}
	if prompt < 0 {
		t.Fatalf("the prompt was drawn over:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "1 uploaded") {
		t.Errorf("no summary:\n%s", strings.Join(lines, "\n"))
	}
	if before := r.out.String()[:strings.Index(r.out.String(), "Password for")]; !strings.HasSuffix(before, "\r\x1b[K") {
		t.Errorf("the status line was not cleared before the prompt: %q", before)
	}
}
