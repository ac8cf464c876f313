package remote

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// A listing of a whole folder comes a page after another, each page a
// round trip, since each page's cursor asks for the next: 2,000 entries a
// page, so an unchanged study of 5,000 files waits three round trips
// before anything can be decided. A push needs less than the whole
// folder: only the folder's own entries, and what lies under the local
// folder's own sub-folders. Listed one part a request, all at once, the
// parts' pages come side by side, and whatever Dropbox holds in folders
// the push never looks at is not listed at all.

// MaxParts is the most sub-folders ListParts lists side by side: a
// request (and, the first time, a connection) each.
const MaxParts = 16

// ListParts returns what Dropbox holds where a local folder whose own
// sub-folders are parts goes under dest: dest's own entries (not
// recursive) and everything under each dest/<part>, all asked for at once,
// keyed as List keys them. Nothing under dest's other folders is listed.
// A part that dest's own entries do not show as a folder (nothing there,
// a file; all of them when dest is not there) lists nothing: once dest's
// own entries have come, its request is stopped, and with it any retry
// it waits for. So a first push, to a folder not yet on Dropbox, waits
// for one answer, not for the slowest of many.
//
// page, if not nil, is called with the entries of each page as List calls
// it, one call at a time. A failure of any part (after its retries) is
// the failure of the whole: dest's own failure if it failed, else the
// first failed part's in the order given (not the first in time), so that
// the same failure says the same thing each time.
func ListParts(ctx context.Context, c files.ContextClient, dest string, parts []string, page func([]Entry)) (map[string]Entry, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// dest's own entries first, then each part once (by Key: two local
	// names that Dropbox takes for one are one folder there).
	jobs := []*part{{path: dest}}
	keys := map[string]bool{}
	for _, p := range parts {
		path := dpath.Join(dest, p)
		if k := dpath.Key(path); !keys[k] {
			keys[k] = true
			jobs = append(jobs, &part{path: path, key: k, recursive: true})
		}
	}
	var (
		mu      sync.Mutex   // page calls
		bound   atomic.Value // the error of too many entries, which stops every part
		entries atomic.Int64 // listed by all the parts, bounded as one listing
		wg      sync.WaitGroup
	)
	for _, j := range jobs {
		j.ctx, j.stop = context.WithCancel(ctx)
	}
	for i, j := range jobs {
		jctx := j.ctx
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seen []Entry
			j.out, j.err = listFolderAs(jctx, c, j.path, j.recursive, j.recursive, func(p []Entry) {
				if entries.Add(int64(len(p))) > maxEntries {
					bound.CompareAndSwap(nil, tooManyEntries("listing "+dpath.Quote(dest)))
					cancel()
					return
				}
				if page == nil {
					return
				}
				seen = seen[:0]
				for _, e := range p {
					// A part's own folder is dest's entry.
					if !j.recursive || dpath.Key(e.Path) != j.key {
						seen = append(seen, e)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if jctx.Err() == nil {
					page(seen)
				}
			})
			if i == 0 && j.err == nil {
				for _, p := range jobs[1:] {
					if e, ok := j.out[p.key]; !ok || !e.Folder {
						p.moot.Store(true)
						p.stop()
					}
				}
			}
			j.stop()
		}()
	}
	wg.Wait()
	if err, _ := bound.Load().(error); err != nil {
		return nil, err
	}
	results := make([]map[string]Entry, 0, len(jobs))
	for _, j := range jobs {
		switch {
		case j.moot.Load():
		case j.err != nil:
			return nil, j.err
		default:
			// A part's own folder is dest's entry, as dest's listing
			// spells it: Dropbox may spell it here as it was asked for.
			delete(j.out, j.key)
			results = append(results, j.out)
		}
	}
	return merge(results), nil
}

// part is one request of ListParts: dest's own entries, or one part.
type part struct {
	path      string
	key       string // dpath.Key(path), for a part
	recursive bool   // a part

	ctx  context.Context
	stop context.CancelFunc
	moot atomic.Bool // dest's own entries show no folder here
	out  map[string]Entry
	err  error
}

// merge adds the smaller maps into the largest, which it returns. The
// maps hold no key in common: each part's entries lie under its own
// folder, and dest's own entries are not under any part.
func merge(ms []map[string]Entry) map[string]Entry {
	big := 0
	for i, m := range ms {
		if len(m) > len(ms[big]) {
			big = i
		}
	}
	out := ms[big]
	for i, m := range ms {
		if i == big {
			continue
		}
		for k, e := range m {
			out[k] = e
		}
	}
	return out
}
