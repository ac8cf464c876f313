package push

import (
	"context"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// Dropbox is listed while the local folder is scanned: the listing's first
// round trip (and the connection's set-up) is under way before the scan
// ends. The pages that come before the scan has ended are not looked at
// then; once the listing is whole, the plan finds in it every file Dropbox
// may hold (plan.MayHold), as it does for the pages it did not look up.

// listing is a listing of Dropbox under way.
type listing struct {
	cancel context.CancelFunc
	done   chan struct{}
	held   map[string]remote.Entry
	err    error

	// unreached, for a listing begun before the scan ended, is set when
	// it could not reach Dropbox: it failed quietly
	// (dbx.WithQuietConnect), and is done again once the scan has passed
	unreached *atomic.Bool

	mu     sync.Mutex
	page   func([]remote.Entry) // set by take; called for each page after
	before int64                // entries listed before take
}

// listEarly starts listing dest when local, which is about to be scanned,
// is a folder (a hint: the scan decides, and the listing is dropped when
// the scan fails or finds a single file); nil otherwise. It asks nothing
// of Dropbox in an offline dry run.
func listEarly(ctx context.Context, c *dbx.Client, o Options, local string, gc *gcTight) *listing {
	if o.Offline != "" {
		return nil
	}
	if st, err := os.Stat(local); err != nil || !st.IsDir() {
		return nil
	}
	var unreached atomic.Bool
	l := startListing(dbx.WithQuietConnect(ctx, func() { unreached.Store(true) }), c, o.Dest, gc)
	l.unreached = &unreached
	// The scan is CPU work, and the listing's first request is the
	// critical path: let the listing's goroutine run until it waits on the
	// network, rather than until the scheduler preempts the scan (10 ms).
	runtime.Gosched()
	return l
}

// startListing lists dest in the background; gc hears the number of
// entries listed.
func startListing(ctx context.Context, c *dbx.Client, dest string, gc *gcTight) *listing {
	ctx, cancel := context.WithCancel(ctx)
	l := &listing{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		var listed int64
		l.held, l.err = remote.ListPages(ctx, c.Files, dest, func(page []remote.Entry) {
			listed += int64(len(page))
			gc.count(listed)
			l.mu.Lock()
			f := l.page
			if f == nil {
				l.before += int64(len(page))
			}
			l.mu.Unlock()
			if f != nil {
				f(page)
			}
		})
	}()
	return l
}

// take has page called for each page listed from now on (from the
// listing's goroutine), and returns how many entries were listed before.
func (l *listing) take(page func([]remote.Entry)) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.page = page
	return l.before
}

// wait waits for the whole listing.
func (l *listing) wait() (map[string]remote.Entry, error) {
	<-l.done
	l.cancel()
	return l.held, l.err
}

// drop stops the listing, if any, and waits for it to end.
func (l *listing) drop() {
	if l != nil {
		l.cancel()
		<-l.done
	}
}
