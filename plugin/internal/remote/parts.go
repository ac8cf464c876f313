package remote

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
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
// A part that Dropbox holds as no folder (nothing there, a file, a name
// it cannot store) lists nothing: dest's own entries tell what is there.
// page, if not nil, is called with the entries of each page as List calls
// it, one call at a time. A failure of any part (after its retries) is
// the failure of the whole: dest's own failure if it failed, else the
// first failed part's in the order given (not the first in time), so that
// the same failure says the same thing each time.
func ListParts(ctx context.Context, c files.ContextClient, dest string, parts []string, page func([]Entry)) (map[string]Entry, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex   // page calls
		bound   atomic.Value // the error of too many entries, which stops every part
		entries atomic.Int64 // listed by all the parts, bounded as one listing
		wg      sync.WaitGroup
	)
	// dest's own entries first, then each part once (by Key: two local
	// names that Dropbox takes for one are one folder there).
	paths := []string{dest}
	keys := map[string]bool{}
	for _, p := range parts {
		path := dpath.Join(dest, p)
		if k := dpath.Key(path); !keys[k] {
			keys[k] = true
			paths = append(paths, path)
		}
	}
	results := make([]map[string]Entry, len(paths))
	errs := make([]error, len(paths))
	run := func(i int, path string, recursive bool) {
		own := dpath.Key(path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seen []Entry
			out, err := listFolderAs(ctx, c, path, recursive, recursive, func(p []Entry) {
				if entries.Add(int64(len(p))) > maxEntries {
					bound.CompareAndSwap(nil, exit.New(exit.Usage, fmt.Sprintf("listing %s: the server listed more than %d entries, more than dropbox-post lists at once", dpath.Quote(dest), maxEntries),
						"give a folder below it; if the folder is not that large, the server is not Dropbox (check --api-url or DROPBOX_API_URL if set)"))
					cancel()
					return
				}
				if page == nil {
					return
				}
				seen = seen[:0]
				for _, e := range p {
					if !recursive || dpath.Key(e.Path) != own {
						seen = append(seen, e)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if ctx.Err() == nil {
					page(seen)
				}
			})
			if err != nil {
				errs[i] = err
				return
			}
			// A part's own folder is dest's entry, as dest's listing
			// spells it: Dropbox may spell it here as it was asked for.
			if recursive {
				delete(out, own)
			}
			results[i] = out
		}()
	}
	for i, path := range paths {
		run(i, path, i > 0)
	}
	wg.Wait()
	if err, _ := bound.Load().(error); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return merge(results), nil
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
