package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"golang.org/x/sync/errgroup"
)

// blockBuffers holds 4 MiB read buffers, so that hashing thousands of
// small files does not allocate (and zero) 4 MiB for each.
var blockBuffers = sync.Pool{New: func() any {
	b := make([]byte, contenthash.BlockSize)
	return &b
}}

// HashFile returns the Dropbox content hash of the file at path and the
// number of bytes read. It reads whole 4 MiB blocks, so that the SDK's
// hasher never copies.
func HashFile(path string) (hash string, n int64, err error) {
	return (&File{Path: path}).hash()
}

// hash returns the Dropbox content hash of f, read through f.Open.
func (f *File) hash() (hash string, n int64, err error) {
	r, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	bp := blockBuffers.Get().(*[]byte)
	defer blockBuffers.Put(bp)
	buf := *bp
	h := contenthash.New()
	for {
		m, err := io.ReadFull(r, buf)
		h.Write(buf[:m])
		n += int64(m)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return h.HexDigest(), n, nil
		}
		if err != nil {
			return "", n, err
		}
	}
}

// HashAll fills in the Hash of every file, several at a time (workers; 0
// means one per CPU). done, if not nil, is called after each file.
func HashAll(ctx context.Context, files []*File, workers int, done func(*File)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, f := range files {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			h, n, err := f.hash()
			if err != nil {
				return fmt.Errorf("hashing %q: %w", f.Path, err)
			}
			if n != f.Size {
				return fmt.Errorf("%q changed while it was read (%d bytes, was %d): is the experiment still writing it?", f.Path, n, f.Size)
			}
			f.Hash = h
			if done != nil {
				done(f)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
