package push

import (
	"context"
	"iter"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// Dropbox is listed while the local folder is scanned: the listing's first
// round trip (and the connection's set-up) is under way before the scan
// ends. The pages that come before the scan has ended are not looked at
// then; once the listing is whole, the plan finds in it every file Dropbox
// may hold (plan.MayHold), as it does for the pages it did not look up.
//
// What is listed is what the plan needs: dest's own entries and the whole
// of each sub-folder the local folder holds, side by side
// (remote.ListParts), a round trip for folders of up to 2,000 entries
// each, where a listing of the whole of dest takes one a page. The
// sub-folders are read before the scan, as a hint: when the scan finds
// one more, the whole of dest is listed after all (covers).

// listing is a listing of Dropbox under way.
type listing struct {
	cancel context.CancelFunc
	done   chan struct{}
	held   map[string]remote.Entry
	err    error

	// parts, when not nil, are the local folder's own sub-folders as read
	// before the scan: only dest's own entries and these are listed
	// (remote.ListParts), and covers tells whether the scan found more
	parts []string

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
	l := startListing(dbx.WithQuietConnect(ctx, func() { unreached.Store(true) }), c, o.Dest, gc, subFolders(local))
	l.unreached = &unreached
	// The scan is CPU work, and the listing's first request is the
	// critical path: let the listing's goroutine run until it waits on the
	// network, rather than until the scheduler preempts the scan (10 ms).
	runtime.Gosched()
	return l
}

// subFolders returns the names of the folders in dir, for
// remote.ListParts; nil when there are more than remote.MaxParts or dir
// cannot be read: then the whole of dest is listed. What it returns is a
// hint: the scan that follows decides what the folder holds
// (listing.covers).
func subFolders(dir string) []string {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil
	}
	parts := []string{}
	for _, e := range ents {
		if e.IsDir() {
			parts = append(parts, e.Name())
		}
		if len(parts) > remote.MaxParts {
			return nil
		}
	}
	return parts
}

// treeParts returns the top-level folders of tree's files and folders,
// for remote.ListParts; nil when there are more than remote.MaxParts.
func treeParts(tree *local.Tree) []string {
	seen := map[string]bool{}
	parts := []string{}
	for dir := range topFolders(tree) {
		if !seen[dir] {
			seen[dir] = true
			if parts = append(parts, dir); len(parts) > remote.MaxParts {
				return nil
			}
		}
	}
	return parts
}

// topFolders yields the top-level folder of each of tree's files and
// folders that lies in one, once for each.
func topFolders(tree *local.Tree) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, f := range tree.Files {
			if dir, _, nested := strings.Cut(f.Rel, "/"); nested && !yield(dir) {
				return
			}
		}
		for _, rel := range tree.EmptyDirs {
			if dir, _, nested := strings.Cut(rel, "/"); nested && !yield(dir) {
				return
			}
		}
	}
}

// startListing lists dest in the background: the whole folder when parts
// is nil, else dest's own entries and each of parts (remote.ListParts).
// gc hears the number of entries listed.
func startListing(ctx context.Context, c *dbx.Client, dest string, gc *gcTight, parts []string) *listing {
	ctx, cancel := context.WithCancel(ctx)
	l := &listing{cancel: cancel, done: make(chan struct{}), parts: parts}
	list := remote.ListPages
	if parts != nil {
		list = func(ctx context.Context, c files.ContextClient, dest string, page func([]remote.Entry)) (map[string]remote.Entry, error) {
			return remote.ListParts(ctx, c, dest, parts, page)
		}
	}
	go func() {
		defer close(l.done)
		var listed int64
		l.held, l.err = list(ctx, c.Files, dest, func(page []remote.Entry) {
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

// covers reports whether the listing holds what Dropbox has for every
// file and folder of tree: for a listing of parts, whether each of tree's
// top-level folders was one of them (a folder made, or a link changed,
// between the hint and the scan, was not).
func (l *listing) covers(tree *local.Tree) bool {
	if l.parts == nil {
		return true
	}
	listed := make(map[string]bool, len(l.parts))
	for _, p := range l.parts {
		listed[dpath.Key(p)] = true
	}
	for dir := range topFolders(tree) {
		if !listed[dpath.Key(dir)] {
			return false
		}
	}
	return true
}

// drop stops the listing, if any, and waits for it to end.
func (l *listing) drop() {
	if l != nil {
		l.cancel()
		<-l.done
	}
}
