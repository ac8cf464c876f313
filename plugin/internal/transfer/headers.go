package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// Request headers. upload_session/append_batch carries its argument, one
// entry per file (135 bytes with a real 69-character session id), in the
// Dropbox-API-Arg header: a pack of 1,000 files would make a header of
// 136 KB. Dropbox's front end is Envoy, whose default limit is 60 KiB;
// Dropbox's own limit is unknown, and a proxy in between may have a
// smaller one (nginx's default header buffer is 8 KiB, Apache's
// LimitRequestFieldSize 8190 bytes). So a pack's append goes in requests
// whose Dropbox-API-Arg stays under MaxArg, all sent at once (the pack's
// sessions come from one start_batch, and its commit is one
// finish_batch_v2, whose argument is in the body: no round trip is
// added). If a server still refuses a request's headers (431, 413, or a
// 400 that says so), the request is split in two, sent again, and the
// smaller bound is kept for the rest of the run; a single file whose
// request is refused fails alone.

// DefaultMaxArg is Options.MaxArg's default: the Dropbox-API-Arg of one
// request stays under 6 KiB, so that all its headers, a long access token
// included, fit the 8 KiB that every common front end accepts.
const DefaultMaxArg = 6 << 10

// argLimit is the bound on the Dropbox-API-Arg of one request, for the
// whole run: it only shrinks, when a server refuses headers.
type argLimit struct{ n atomic.Int64 }

func newArgLimit(n int) *argLimit {
	l := &argLimit{}
	l.n.Store(int64(n))
	return l
}

func (l *argLimit) get() int { return int(l.n.Load()) }

// lower makes the bound at most n, and returns it.
func (l *argLimit) lower(n int) int {
	for {
		cur := l.n.Load()
		if int64(n) >= cur || l.n.CompareAndSwap(cur, int64(n)) {
			return int(min(cur, int64(n)))
		}
	}
}

// appendAll sends a pack's files into their sessions (ids[i] is
// items[i]'s, data[i] its part of all) with append_batch, in requests
// whose Dropbox-API-Arg stays under max bytes, at once.
func (u *uploader) appendAll(items []*plan.Item, ids []string, all []byte, data [][]byte, max int) {
	groups := splitArgs(ids, data, max)
	if len(groups) == 1 {
		u.appendGroup(items, ids, all, data)
		return
	}
	var wg sync.WaitGroup
	start, off := 0, 0
	for _, end := range groups {
		n := 0
		for _, d := range data[start:end] {
			n += len(d)
		}
		its, is, a, ds := items[start:end], ids[start:end], all[off:off+n:off+n], data[start:end]
		wg.Go(func() { u.appendGroup(its, is, a, ds) })
		start, off = end, off+n
	}
	wg.Wait()
}

// headersRefused handles a request whose headers a server refused (err),
// and reports whether it was that: the files go again in two requests or
// more under a smaller bound, kept for the run, or, a file alone, fail.
func (u *uploader) headersRefused(items []*plan.Item, ids []string, all []byte, data [][]byte, err error) bool {
	if !headersTooLarge(err) {
		return false
	}
	if len(items) == 1 {
		u.finish(items[0], nil, fmt.Errorf("the server refused the request's headers even for this file alone (%w)", err))
		return true
	}
	size := argSize(ids, data)
	max := u.args.lower(size / 2)
	u.o.Log.Info("the server refused a request's headers; sending smaller requests for the rest of the run",
		"status", statusOf(err), "argument_bytes", size, "now_at_most", max)
	u.appendAll(items, ids, all, data, max)
	return true
}

// appendGate lets append_batch requests go: parallel of them at once
// whatever their size (as packs went before the header bound split them),
// and more while the data of all in flight stays within bytes (a pack's
// worth). The requests of small files are small: sent together they cost
// one round trip, as the pack's single request did, whatever their
// number, and their data together is no more than one pack's on the link.
type appendGate struct {
	parallel int
	bytes    int64

	mu      sync.Mutex
	n       int           // requests in flight
	held    int64         // their bytes
	careful bool          // a server refused headers, and no request has passed since
	wake    chan struct{} // closed (and replaced) when one ends
}

func newAppendGate(parallel int, bytes int64) *appendGate {
	return &appendGate{parallel: parallel, bytes: bytes, wake: make(chan struct{})}
}

// enter waits until a request of size bytes may go, or ctx ends. After a
// refusal of headers, requests go one at a time until one passes: the
// bound is being learnt, and requests sent together would all be refused
// by the same front end (a few refusals for a run, not one per request).
func (g *appendGate) enter(ctx context.Context, size int64) error {
	for {
		g.mu.Lock()
		free := g.n < g.parallel || g.held+size <= g.bytes
		if g.careful {
			free = g.n == 0
		}
		if free {
			g.n++
			g.held += size
			g.mu.Unlock()
			return nil
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// leave says that a request of size bytes that entered is done; refused
// says whether the server refused its headers.
func (g *appendGate) leave(size int64, refused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	g.held -= size
	g.careful = refused
	close(g.wake)
	g.wake = make(chan struct{})
}

// splitArgs splits a pack into groups whose append_batch argument stays
// under max bytes (a group holds one entry at least), and returns the end
// of each.
func splitArgs(ids []string, data [][]byte, max int) []int {
	var ends []int
	size := argSize(nil, nil)
	for i := range ids {
		n := entrySize(ids[i], len(data[i])) + 1 // and its comma
		if i > 0 && size+n > max {
			ends = append(ends, i)
			size = argSize(nil, nil)
		}
		size += n
	}
	return append(ends, len(ids))
}

// argSize is the size of the append_batch argument for these sessions, as
// the SDK writes it (its content_hash included).
func argSize(ids []string, data [][]byte) int {
	n := len(`{"entries":[],"content_hash":""}`) + 64
	for i := range ids {
		n += entrySize(ids[i], len(data[i])) + 1
	}
	return n
}

// entrySize is the size of one append_batch entry as the SDK writes it.
func entrySize(id string, n int) int {
	e := files.NewUploadSessionAppendBatchArgEntry(files.NewUploadSessionCursor(id, 0), uint64(n))
	e.Close = true
	b, _ := json.Marshal(e)
	return len(b)
}

// headersTooLarge reports whether a server refused a request for its
// headers: 431, 413 (which a smaller request also answers, were it the
// body), or a 400 whose text says so (nginx: "Request Header Or Cookie
// Too Large"). Over HTTP/2, Go refuses such a request itself.
func headersTooLarge(err error) bool {
	var ie dropbox.SDKInternalError
	if errors.As(err, &ie) && (ie.StatusCode == http.StatusRequestHeaderFieldsTooLarge || ie.StatusCode == http.StatusRequestEntityTooLarge) {
		return true
	}
	var br auth.BadRequest
	if errors.As(err, &br) {
		s := strings.ToLower(br.ErrorSummary)
		return strings.Contains(s, "header") && (strings.Contains(s, "too large") || strings.Contains(s, "too long"))
	}
	return err != nil && strings.Contains(err.Error(), "header list larger than peer's advertised limit")
}

// statusOf is the HTTP status of a refusal (0: refused by Go itself).
func statusOf(err error) int {
	var ie dropbox.SDKInternalError
	var br auth.BadRequest
	switch {
	case errors.As(err, &ie):
		return ie.StatusCode
	case errors.As(err, &br):
		return http.StatusBadRequest
	}
	return 0
}
