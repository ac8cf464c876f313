package transfer

import (
	"context"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// lookupLimit is the number of failed files above which one listing of the
// destination is cheaper than a get_metadata call per file.
const lookupLimit = 20

// alreadyThere returns, for each failed item that Dropbox nevertheless
// holds with the right content, its metadata: the commit went through and
// only the answer was lost. Hashes decide, not the error.
func alreadyThere(ctx context.Context, c *dbx.Client, dest string, failed []*plan.Item, parallel int) (map[*plan.Item]*files.FileMetadata, error) {
	out := map[*plan.Item]*files.FileMetadata{}
	var held map[string]remote.Entry
	var err error
	if len(failed) > lookupLimit {
		held, err = remote.List(ctx, c.Files, dest)
	} else {
		held, err = statEach(ctx, c, failed, parallel)
	}
	if err != nil {
		return nil, err
	}
	for _, it := range failed {
		r, ok := held[dpath.Key(it.Dest)]
		if ok && !r.Folder && r.Hash == it.File.Hash && r.Size == it.File.Size {
			out[it] = &files.FileMetadata{
				Metadata:    files.Metadata{Name: dpath.Base(r.Path), PathDisplay: r.Path, PathLower: dpath.Key(r.Path)},
				Rev:         r.Rev,
				Size:        uint64(r.Size),
				ContentHash: r.Hash,
			}
		}
	}
	return out, nil
}

func statEach(ctx context.Context, c *dbx.Client, items []*plan.Item, parallel int) (map[string]remote.Entry, error) {
	var mu sync.Mutex
	out := map[string]remote.Entry{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, it := range items {
		g.Go(func() error {
			m, err := remote.Stat(gctx, c.Files, it.Dest)
			if err != nil {
				return err
			}
			mu.Lock()
			for k, v := range m {
				out[k] = v
			}
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}
