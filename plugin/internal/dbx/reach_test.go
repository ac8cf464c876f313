package dbx

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// fakeReach is a Reach on a clock that moves only when it sleeps, with
// its warnings in a buffer; onSleep (if set) runs at each sleep.
type fakeReach struct {
	*Reach
	mu      sync.Mutex
	log     bytes.Buffer
	t       time.Time
	sleeps  int
	onSleep func(n int)
}

func newFakeReach(timeout time.Duration) *fakeReach {
	f := &fakeReach{t: time.Now()}
	log := hclog.New(&hclog.LoggerOptions{Output: syncWriter{&f.mu, &f.log}, Level: hclog.Info, DisableTime: true})
	f.Reach = NewReach(timeout, log)
	f.Reach.now = func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
	f.Reach.sleep = func(ctx context.Context, d time.Duration) error {
		f.mu.Lock()
		f.t = f.t.Add(d)
		f.sleeps++
		n, hook := f.sleeps, f.onSleep
		f.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		return ctx.Err()
	}
	return f
}

func (f *fakeReach) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Split(strings.TrimSpace(f.log.String()), "\n")
}

type syncWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func reachClient(t *testing.T, addr string, r *Reach) *Client {
	u, err := url.Parse("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{APIURL: u, Token: Token{AccessToken: "sl.x-token"}, Reach: r})
}

// A host nobody listens on: the first refused connection is said at once,
// with the wait and the attempts to come; each attempt after it one line;
// after the network timeout (30 s: attempts at 0, 2, 6, 14 and 30 s) the
// host is given up on with exit 12, naming the host contacted.
func TestUnreachableHostIsSaidAndGivenUp(t *testing.T) {
	addr := closedPort(t)
	r := newFakeReach(DefaultNetworkTimeout)
	c := reachClient(t, addr, r.Reach)
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Attempts != 5 || ue.Host != addr || ue.Cause != "connection refused" {
		t.Fatalf("err %v (%+v)", err, ue)
	}
	want := []string{
		`[WARN]  cannot reach "` + addr + `": connection refused; retrying in 2 s (1 of 5)`,
		`[WARN]  cannot reach "` + addr + `": connection refused; retrying in 4 s (2 of 5)`,
		`[WARN]  cannot reach "` + addr + `": connection refused; retrying in 8 s (3 of 5)`,
		`[WARN]  cannot reach "` + addr + `": connection refused; retrying in 16 s (4 of 5)`,
	}
	if got := r.lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e := Explain(err, "checking the account")
	if exit.CodeOf(e) != exit.Unreachable ||
		!strings.HasPrefix(e.Error(), `checking the account: cannot reach "`+addr+`": connection refused (5 attempts in 30 s): check the network connection`) ||
		!strings.Contains(e.Error(), "--network-timeout") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
	// Given up for good: the next request fails at once, with no attempt.
	_, err = c.Files.GetMetadataContext(context.Background(), nil)
	if !errors.As(err, &ue) || len(r.lines()) != 4 {
		t.Fatalf("after giving up: %v; log %q", err, r.lines())
	}
}

// Parallel requests to a dead host make one attempt at a time between
// them, not one each, and one line per attempt; all give up together. A
// shorter timeout means fewer attempts, the last wait cut to fit.
func TestParallelRequestsShareTheAttempts(t *testing.T) {
	addr := closedPort(t)
	r := newFakeReach(10 * time.Second)
	c := reachClient(t, addr, r.Reach)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Users.GetCurrentAccountContext(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		var ue *UnreachableError
		if !errors.As(err, &ue) || ue.Attempts != 4 {
			t.Fatalf("err %v", err)
		}
	}
	// 0, 2, 6, then 10 s: the 8 s wait cut to 4.
	lines := r.lines()
	if len(lines) != 3 || !strings.HasSuffix(lines[0], "retrying in 2 s (1 of 4)") || !strings.HasSuffix(lines[2], "retrying in 4 s (3 of 4)") {
		t.Fatalf("log %q", lines)
	}
}

// --network-timeout 0: given up at the first refused connection, with no
// line before the error.
func TestNoNetworkTimeoutGivesUpAtOnce(t *testing.T) {
	r := newFakeReach(0)
	c := reachClient(t, closedPort(t), r.Reach)
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Attempts != 1 || r.sleeps != 0 || r.log.Len() != 0 {
		t.Fatalf("err %v, %d sleeps, log %q", err, r.sleeps, r.log.String())
	}
	if !strings.HasSuffix(ue.Error(), ": connection refused (1 attempt)") {
		t.Fatalf("%q", ue.Error())
	}
}

// A host that comes back: the request gets through, the outage ends and
// is said to have ended, and a later failure starts a new one.
func TestHostThatComesBack(t *testing.T) {
	addr := closedPort(t)
	r := newFakeReach(DefaultNetworkTimeout)
	var srv *http.Server
	r.onSleep = func(n int) {
		if n != 2 {
			return
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, account)
		})}
		go srv.Serve(ln)
	}
	c := reachClient(t, addr, r.Reach)
	if _, err := c.Users.GetCurrentAccountContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	lines := r.lines()
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "(2 of 5)") || lines[2] != `[INFO]  reached "`+addr+`" again` {
		t.Fatalf("log %q", lines)
	}
	if len(r.hosts) != 0 {
		t.Fatalf("outage kept: %v", r.hosts)
	}
}

// What a failed connection is called.
func TestConnectCause(t *testing.T) {
	cases := map[string]error{
		"no such host":          &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "api.dropboxapi.invalid", IsNotFound: true}},
		"name lookup timed out": &net.OpError{Op: "dial", Err: &net.DNSError{Err: "i/o timeout", IsTimeout: true}},
		"connection timed out":  &net.OpError{Op: "dial", Err: context.DeadlineExceeded},
	}
	for want, err := range cases {
		if !isConnectError(err) {
			t.Errorf("%v is not a connection failure", err)
		}
		if got := connectCause(err); got != want {
			t.Errorf("connectCause(%v) = %q, want %q", err, got, want)
		}
	}
	if isConnectError(&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}) {
		t.Error("a reset on a connection made counts as a failure to connect")
	}
}
