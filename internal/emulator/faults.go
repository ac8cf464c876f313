package emulator

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault injection: what a busy Dropbox and a real network do to clients.
// Each API request draws once: 500/503 without doing the work, 429 with
// Retry-After, or a dropped connection, either before the work (after part
// of the request body) or after the work is done but before the response
// (for a download: after half of the body). Commits that overlap in time
// fail with too_many_write_operations when write contention is on.

type faultKind int

const (
	noFault faultKind = iota
	failFault
	throttleFault
	resetBeforeFault
	resetAfterFault
)

type faults struct {
	fail, throttle, reset float64

	mu  sync.Mutex
	rng *rand.Rand
}

func newFaults(o Options, seed uint64) *faults {
	return &faults{
		fail: o.FailRate, throttle: o.ThrottleRate, reset: o.ResetRate,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// draw decides the fault of one request.
func (f *faults) draw() faultKind {
	if f.fail == 0 && f.throttle == 0 && f.reset == 0 {
		return noFault
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.rng.Float64()
	switch {
	case x < f.fail:
		return failFault
	case x < f.fail+f.throttle:
		return throttleFault
	case x < f.fail+f.throttle+f.reset:
		if f.rng.IntN(2) == 0 {
			return resetBeforeFault
		}
		return resetAfterFault
	}
	return noFault
}

// coin returns true with probability 1/2.
func (f *faults) coin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(2) == 0
}

// retryAfterSeconds is the Retry-After value: whole seconds, rounded down.
func (s *Server) retryAfterSeconds() int64 { return int64(s.opts.RetryAfter / time.Second) }

// injectFault answers the request with a fault, or returns false to let it
// through. A reset-after fault runs the request with its response cut off.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, rt *route) bool {
	switch s.faults.draw() {
	case noFault:
		return false
	case failFault:
		_, _ = io.Copy(io.Discard, r.Body)
		if s.faults.coin() {
			s.fault(faultFail500, rt.name)
			writeText(w, http.StatusInternalServerError, "Internal Server Error")
		} else {
			s.fault(faultFail503, rt.name)
			writeText(w, http.StatusServiceUnavailable, "Service Unavailable")
		}
	case throttleFault:
		_, _ = io.Copy(io.Discard, r.Body)
		s.fault(faultThrottle, rt.name)
		s.throttled(w)
	case resetBeforeFault:
		s.fault(faultResetBefore, rt.name)
		if r.ContentLength > 0 {
			_, _ = io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		}
		panic(http.ErrAbortHandler)
	case resetAfterFault:
		s.fault(faultResetAfter, rt.name)
		cw := &cutWriter{real: w, header: http.Header{}, download: rt.style == downloadStyle}
		c := &call{s: s, w: cw, r: r, route: rt}
		if c.checkMethod() && c.checkContentType() && c.authorize() && c.readArg() {
			rt.handler(c)
		}
		if cw.passed > 0 {
			_ = http.NewResponseController(w).Flush()
		}
		panic(http.ErrAbortHandler)
	}
	return true
}

// cutWriter swallows a response whose connection is about to be dropped.
// For a successful download it lets the headers and half the body through,
// as a connection that breaks mid-transfer does.
type cutWriter struct {
	real     http.ResponseWriter
	header   http.Header
	download bool
	limit    int64 // body bytes to let through; 0 = none (and no headers)
	passed   int64
}

func (w *cutWriter) Header() http.Header { return w.header }

func (w *cutWriter) WriteHeader(code int) {
	if !w.download || (code != http.StatusOK && code != http.StatusPartialContent) {
		return
	}
	n, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64)
	if err != nil || n < 2 {
		return
	}
	for k, v := range w.header {
		w.real.Header()[k] = v
	}
	w.real.WriteHeader(code)
	w.limit = n / 2
}

func (w *cutWriter) Write(p []byte) (int, error) {
	if room := w.limit - w.passed; room > 0 {
		q := p
		if int64(len(q)) > room {
			q = q[:room]
		}
		n, err := w.real.Write(q)
		w.passed += int64(n)
		if err != nil {
			return n, err
		}
	}
	return len(p), nil
}

// commitGate is the account's write lock when write contention is on: a
// commit that finds it taken fails with too_many_write_operations, and
// each commit holds it for at least hold, so that overlap is real. While
// the namespace is locked (window, Limits.Contention), every commit
// fails so.
type commitGate struct {
	on     bool
	hold   time.Duration
	mu     sync.Mutex
	window *lockWindow
}

func newCommitGate(on bool, hold time.Duration, window *lockWindow) *commitGate {
	return &commitGate{on: on, hold: hold, window: window}
}

// enter takes the lock, or says why not. The returned func releases it.
func (g *commitGate) enter() (func(), contention) {
	if g.window.held() {
		return nil, locked
	}
	if !g.on {
		return func() {}, uncontended
	}
	if !g.mu.TryLock() {
		return nil, overlapped
	}
	start := time.Now()
	return func() {
		if d := g.hold - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		g.mu.Unlock()
	}, uncontended
}

// contended answers a single commit that met another one: 429 with reason
// too_many_write_operations, as Dropbox does.
func (c *call) contended() {
	c.s.fault(faultWriteContention, c.route.name)
	writeRateLimit(c.w, "too_many_write_operations", c.s.retryAfterSeconds())
}
