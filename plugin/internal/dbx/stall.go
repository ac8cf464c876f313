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

// answerFactor makes the answer timeout: once a request has been written,
// the server may take answerFactor times the stall timeout (5 minutes) to
// begin its answer (its first byte of HTTP, as httptrace tells: over TLS
// 1.3 the first bytes on the connection may be session tickets). Dropbox
// does real work before it answers some requests
// (upload_session/finish_batch_v2 commits up to 1,000 files, list_folder
// of a large folder): a commit retried while Dropbox is still doing it is
// wasted, and a list_folder retried is the same wait again. Five minutes
// is rclone's default --timeout, its limit on idle I/O, under which its
// Dropbox backend runs. Once the answer has begun, the stall rule holds
// again.
const answerFactor = 5

// minProgress is how many bytes make progress: a server that sends or
// takes less than this in stallTimeout of waiting (a byte every few
// seconds) stalls as surely as one that sends nothing.
const minProgress = 1 << 10

// A request stalls when, for stallTimeout of time spent waiting on the
// server, fewer than minProgress bytes moved, in either direction: the
// server takes the request's body too slowly, or is slow to answer, or
// trickles its answer, except that the wait for the answer's first byte,
// once the request is written, may last answerFactor times longer. Only
// time spent waiting on the network counts: not time this program spends
// elsewhere, such as waiting under --bwlimit or reading a file to send, and
// not the time a pending read (Go's transport always has one) waits while
// the request is still being written.
//
// The count is kept on each connection (HTTP/1.1 carries one request at a
// time) and started afresh for each request, which stallTransport learns
// of through httptrace.

// stallConn is a connection that fails a read or write once the server
// has stalled.
type stallConn struct {
	net.Conn
	stall time.Duration

	answer time.Duration // the wait allowed for an answer's first byte

	mu       sync.Mutex
	writing  bool // a request is being written: reads are not charged
	awaiting bool // the request is written, and its answer has not begun
	r, w     stallClock
	err      error // the stall, once the server has stalled
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
	Addr   string // the server's address
	Stall  time.Duration
	Answer bool // the server never began to answer a request it had whole
}

func (e *StallError) Error() string {
	if e.Answer {
		return fmt.Sprintf("the server at %s did not begin to answer for %s after the request was sent", e.Addr, e.Stall)
	}
	return fmt.Sprintf("the server at %s made no progress for %s (less than %d bytes moved)", e.Addr, e.Stall, minProgress)
}
func (e *StallError) Timeout() bool   { return true }
func (e *StallError) Temporary() bool { return true }

func (c *stallConn) stalled(limit time.Duration, answer bool) error {
	err := &StallError{Addr: c.Conn.RemoteAddr().String(), Stall: limit, Answer: answer}
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
	limit, _ := c.limit()
	if c.writing {
		c.Conn.SetReadDeadline(time.Time{})
	} else {
		c.Conn.SetReadDeadline(now.Add(c.r.left(limit)))
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	now = time.Now()
	// The request may have been written while this read waited (Go's
	// transport always has one pending): its deadline is then the
	// answer's, set by requestWritten.
	limit, awaiting := c.limit()
	stalled := c.r.stop(now, n, !c.writing, limit)
	c.mu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) || err == nil && stalled {
		err = c.stalled(limit, awaiting)
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
		err = c.stalled(c.stall, false)
	}
	return n, err
}

// limit returns how long reads may wait without progress now, and whether
// that is the wait for an answer's first byte (c.mu held).
func (c *stallConn) limit() (time.Duration, bool) {
	if c.awaiting && !c.writing {
		return c.answer, true
	}
	return c.stall, false
}

// requestStarts starts the count afresh for a request about to be written
// on c: until it is written, a pending read waits for nothing.
func (c *stallConn) requestStarts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.writing, c.awaiting = true, false
	c.r.reset(now)
	c.w.reset(now)
	if c.r.busy {
		c.Conn.SetReadDeadline(time.Time{})
	}
}

// requestWritten starts charging the wait for the answer, under the
// answer timeout until its first byte.
func (c *stallConn) requestWritten() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.writing, c.awaiting = false, true
	c.r.reset(now)
	if c.r.busy {
		c.Conn.SetReadDeadline(now.Add(c.answer))
	}
}

// answerBegun says that the answer's first byte has come: from here the
// stall rule holds.
func (c *stallConn) answerBegun() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.awaiting {
		return
	}
	now := time.Now()
	c.awaiting = false
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

// stallTransport tells each request's connection when the request starts,
// when it has been written, and when its answer begins.
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
		GotFirstResponseByte: func() {
			mu.Lock()
			sc := conn
			mu.Unlock()
			if sc != nil {
				sc.answerBegun()
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
