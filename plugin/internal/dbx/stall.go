package dbx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync"
	"time"
)

// stallTimeout is how long a request may make no progress before it fails
// (and is retried as a dropped connection would be). A variable so that
// tests can shrink it.
var stallTimeout = time.Minute

// minProgress is how many bytes make progress: a server that sends or
// takes less than this in stallTimeout of waiting (a byte every few
// seconds) stalls as surely as one that sends nothing.
const minProgress = 1 << 10

// A request stalls when, for stallTimeout of time spent waiting on the
// server, fewer than minProgress bytes moved, in either direction: the
// server takes the request's body too slowly, or is slow to answer, or
// trickles its answer. Only time spent waiting on the network counts: not
// time this program spends elsewhere, such as waiting under --bwlimit or
// reading a file to send, and not the time a pending read (Go's transport
// always has one) waits while the request is still being written.
//
// The count is kept on each connection (HTTP/1.1 carries one request at a
// time) and started afresh for each request, which stallTransport learns
// of through httptrace.

// stallConn is a connection that fails a read or write once the server
// has stalled.
type stallConn struct {
	net.Conn
	stall time.Duration

	mu      sync.Mutex
	writing bool // a request is being written: reads are not charged
	r, w    stallClock
	err     error // the stall, once the server has stalled
}

// stallClock counts the waiting of one direction since its last progress.
type stallClock struct {
	busy   bool          // a call is in progress
	since  time.Time     // when the call in progress started to be charged
	waited time.Duration // charged before since
	moved  int64         // bytes moved since the last progress
}

func (k *stallClock) reset(now time.Time) {
	k.waited, k.moved, k.since = 0, 0, now
}

// left returns how long the clock may still run before the server stalls.
func (k *stallClock) left(stall time.Duration) time.Duration { return stall - k.waited }

// stop charges a call that moved n bytes, ending at now, and reports
// whether the server has stalled.
func (k *stallClock) stop(now time.Time, n int, charged bool, stall time.Duration) bool {
	k.busy = false
	if charged {
		k.waited += now.Sub(k.since)
	}
	k.moved += int64(n)
	if k.moved >= minProgress {
		k.reset(now)
	}
	return k.waited >= stall
}

// StallError is a request on which the server made no progress for the
// stall timeout. It is a timeout, retried like a dropped connection.
type StallError struct {
	Addr  string // the server's address
	Stall time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("the server at %s made no progress for %s (less than %d bytes moved)", e.Addr, e.Stall, minProgress)
}
func (e *StallError) Timeout() bool   { return true }
func (e *StallError) Temporary() bool { return true }

func (c *stallConn) stalled() error {
	err := &StallError{Addr: c.Conn.RemoteAddr().String(), Stall: c.stall}
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	return err
}

// stallErr returns the stall, if the server has stalled.
func (c *stallConn) stallErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *stallConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	now := time.Now()
	c.r.busy, c.r.since = true, now
	if c.writing {
		c.Conn.SetReadDeadline(time.Time{})
	} else {
		c.Conn.SetReadDeadline(now.Add(c.r.left(c.stall)))
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	stalled := c.r.stop(time.Now(), n, !c.writing, c.stall)
	c.mu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) || err == nil && stalled {
		err = c.stalled()
	}
	return n, err
}

func (c *stallConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	now := time.Now()
	c.w.busy, c.w.since = true, now
	c.Conn.SetWriteDeadline(now.Add(c.w.left(c.stall)))
	c.mu.Unlock()
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	stalled := c.w.stop(time.Now(), n, true, c.stall)
	c.mu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) || err == nil && stalled {
		err = c.stalled()
	}
	return n, err
}

// requestStarts starts the count afresh for a request about to be written
// on c: until it is written, a pending read waits for nothing.
func (c *stallConn) requestStarts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.writing = true
	c.r.reset(now)
	c.w.reset(now)
	if c.r.busy {
		c.Conn.SetReadDeadline(time.Time{})
	}
}

// requestWritten starts charging the wait for the answer.
func (c *stallConn) requestWritten() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.writing = false
	c.r.reset(now)
	if c.r.busy {
		c.Conn.SetReadDeadline(now.Add(c.stall))
	}
}

// stallConnOf returns the stallConn under a connection of the transport.
func stallConnOf(c net.Conn) *stallConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, _ := c.(*stallConn)
	return sc
}

// stallTransport tells each request's connection when the request starts
// and when it has been written.
type stallTransport struct {
	next http.RoundTripper
}

func (t *stallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var conn *stallConn
	var mu sync.Mutex
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			sc := stallConnOf(info.Conn)
			mu.Lock()
			conn = sc
			mu.Unlock()
			if sc != nil {
				sc.requestStarts()
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			mu.Lock()
			sc := conn
			mu.Unlock()
			if sc != nil {
				sc.requestWritten()
			}
		},
	}
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	mu.Lock()
	sc := conn
	mu.Unlock()
	if err != nil && sc != nil && sc.stallErr() != nil {
		// The transport may report what a stall cut short (a header
		// line without its colon) rather than the stall.
		err = sc.stallErr()
	}
	return resp, err
}
