package proof

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// proc is one dropbox-post push running as a child process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	started        time.Time
	exited         chan struct{} // closed once the process has exited
	out            outcome       // set before exited is closed
}

// outcome is how a push ended.
type outcome struct {
	Code     int    // exit code; -1 if a signal ended it
	Signal   string // the signal that ended it, if one did
	Took     time.Duration
	Stdout   string
	Stderr   string
	Summary  *report.Summary // the JSON summary, if one was printed
	Retries  map[string]int  // retries logged, by reason
	Finished time.Time
}

// pushArgs are the arguments of a push of local to dest: a JSON summary,
// JSON logs at debug level (they tell the retries), and the manifest in
// manifests ("" writes none).
func pushArgs(local, dest, manifests string) []string {
	args := []string{"push", "--output", "json", "--verbose", "--log-format", "json"}
	if manifests == "" {
		args = append(args, "--no-manifest")
	} else {
		args = append(args, "--manifest-dir", manifests)
	}
	return append(args, local, dest)
}

// startPush starts dropbox-post with args, against the emulator at url,
// with the credential in the environment and nothing else of the test's
// environment (no stray DROPBOX_* variable reaches it).
func startPush(t testing.TB, url string, args ...string) *proc {
	t.Helper()
	return startWatched(t, url, nil, args...)
}

// startWatched is startPush that also gives each line the push writes to
// stderr (its log) to watch, as it is written.
func startWatched(t testing.TB, url string, watch func(line string), args ...string) *proc {
	t.Helper()
	return startIn(t, url, t.TempDir(), watch, args...)
}

// startIn is startWatched with the home folder home (where the push keeps
// its cache: the state of large uploads), so that pushes can share it.
func startIn(t testing.TB, url, home string, watch func(line string), args ...string) *proc {
	t.Helper()
	p := &proc{exited: make(chan struct{})}
	p.cmd = exec.Command(program, args...)
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"DROPBOX_API_URL=" + url,
		"DROPBOX_ACCESS_TOKEN=" + token,
	}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if watch != nil {
		p.cmd.Stderr = io.MultiWriter(&p.stderr, &lineWriter{each: watch})
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		p.out = p.outcome(err)
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		<-p.exited
	})
	return p
}

// push runs dropbox-post with args to the end (at most ten minutes).
func push(t testing.TB, url string, args ...string) outcome {
	t.Helper()
	return pushIn(t, url, t.TempDir(), args...)
}

// pushIn is push with the home folder home.
func pushIn(t testing.TB, url, home string, args ...string) outcome {
	t.Helper()
	p := startIn(t, url, home, nil, args...)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Minute):
		t.Fatalf("dropbox-post %s hangs: still running after 10 minutes", strings.Join(args, " "))
	}
	return p.out
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// wait waits up to d for the process to end; it reports whether it did.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.exited:
		return true
	case <-time.After(d):
		return false
	}
}

func (p *proc) outcome(err error) outcome {
	o := outcome{Code: p.cmd.ProcessState.ExitCode(), Took: time.Since(p.started), Finished: time.Now(),
		Stdout: p.stdout.String(), Stderr: p.stderr.String()}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		o.Signal = ws.Signal().String()
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		o.Code = -1
	}
	var s report.Summary
	if json.Unmarshal(p.stdout.Bytes(), &s) == nil {
		o.Summary = &s
	}
	o.Retries = retriesLogged(o.Stderr)
	return o
}

// retriesLogged counts the "retrying" debug lines of a JSON log, by
// reason ("network" for dropped connections).
func retriesLogged(log string) map[string]int {
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Message string `json:"@message"`
			Reason  string `json:"reason"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch line.Message {
		case "retrying":
			out[line.Reason]++
		case "retrying after a network error":
			out["network"]++
		}
	}
	return out
}

// describe tells how a push ended, for failure messages.
func (o outcome) describe() string {
	var b strings.Builder
	if o.Signal != "" {
		b.WriteString("killed by " + o.Signal)
	} else {
		b.WriteString("exit code " + strconv.Itoa(o.Code))
	}
	b.WriteString(" after " + o.Took.Round(time.Millisecond).String())
	b.WriteString("\nstdout: " + tail(o.Stdout, 1500))
	b.WriteString("\nstderr (last lines): " + tail(lastLines(o.Stderr, 8), 3000))
	return b.String()
}

// ok fails the test unless the push exited 0 and printed a summary in
// which nothing failed.
func (o outcome) ok(t testing.TB, what string) *report.Summary {
	t.Helper()
	if o.Code != 0 || o.Summary == nil || o.Summary.Failed != 0 {
		t.Fatalf("%s: want exit code 0 and no failed file, got %s", what, o.describe())
	}
	return o.Summary
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lineWriter calls each with every complete line written to it.
type lineWriter struct {
	each func(string)
	part []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.each(string(w.part[:i]))
		w.part = w.part[i+1:]
	}
}
