package emulator

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// limiter shares a bandwidth (bytes per second) between every request and
// response body: each read or write reserves its bytes on a virtual clock
// and waits until its turn. Idle time builds up a small burst.
type limiter struct {
	rate  float64 // bytes per second; 0 = unlimited
	burst time.Duration

	mu   sync.Mutex
	next time.Time
}

func newLimiter(bytesPerSecond int64) *limiter {
	return &limiter{rate: float64(bytesPerSecond), burst: 20 * time.Millisecond}
}

// wait blocks until n more bytes may pass.
func (l *limiter) wait(ctx context.Context, n int) {
	if l.rate == 0 || n <= 0 {
		return
	}
	l.mu.Lock()
	now := time.Now()
	start := l.next
	if floor := now.Add(-l.burst); start.Before(floor) {
		start = floor
	}
	l.next = start.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	until := l.next
	l.mu.Unlock()
	if d := time.Until(until); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// ioPiece is the most bytes one limiter reservation covers, so that a
// large body is paced smoothly.
const ioPiece = 32 << 10

// measuredBody counts (and paces) a request body.
type measuredBody struct {
	io.ReadCloser
	ctx context.Context
	rc  *routeCounter
	lim *limiter
	n   int64 // bytes read by this request
}

func (b *measuredBody) Read(p []byte) (int, error) {
	if len(p) > ioPiece && b.lim.rate != 0 {
		p = p[:ioPiece]
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		b.rc.received.Add(int64(n))
		b.lim.wait(b.ctx, n)
	}
	return n, err
}

// measuredWriter counts (and paces) a response and records its status.
type measuredWriter struct {
	http.ResponseWriter
	ctx    context.Context
	rc     *routeCounter
	lim    *limiter
	status int
	n      int64 // bytes written to this response

	body  *measuredBody
	start time.Time
	name  string
	log   hclog.Logger
}

func (s *Server) measure(w http.ResponseWriter, r *http.Request, name string, rc *routeCounter) *measuredWriter {
	body := &measuredBody{ReadCloser: r.Body, ctx: r.Context(), rc: rc, lim: s.limiter}
	r.Body = body
	return &measuredWriter{ResponseWriter: w, ctx: r.Context(), rc: rc, lim: s.limiter,
		body: body, start: time.Now(), name: name, log: s.opts.Logger}
}

func (w *measuredWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *measuredWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	written := 0
	for len(p) > 0 {
		chunk := p
		if len(chunk) > ioPiece && w.lim.rate != 0 {
			chunk = chunk[:ioPiece]
		}
		w.lim.wait(w.ctx, len(chunk))
		n, err := w.ResponseWriter.Write(chunk)
		written += n
		w.n += int64(n)
		w.rc.sent.Add(int64(n))
		if err != nil {
			return written, err
		}
		p = p[len(chunk):]
	}
	return written, nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *measuredWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// done records the status once the handler has finished (also when it
// aborts the connection: status 0).
func (w *measuredWriter) done() {
	if w.status != 0 {
		w.rc.status(w.status)
	}
	if w.log.IsDebug() {
		w.log.Debug("request", "route", w.name, "status", w.status, "received", w.body.n, "sent", w.n,
			"duration", time.Since(w.start).Round(time.Microsecond))
	}
}

// serveMeasured answers a non-API endpoint (OAuth) with stats, latency and
// the bandwidth limit, but no injected faults.
func (s *Server) serveMeasured(w http.ResponseWriter, r *http.Request, name string, h http.HandlerFunc) {
	rc := s.stats.route(name)
	rc.request()
	mw := s.measure(w, r, name, rc)
	defer mw.done()
	if !s.sleep(r, s.opts.Latency) {
		return
	}
	h(mw, r)
}
