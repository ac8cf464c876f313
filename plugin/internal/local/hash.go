package local

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
)

// blockBuffers holds 4 MiB read buffers, so that hashing thousands of
// small files does not allocate (and zero) 4 MiB for each.
var blockBuffers = sync.Pool{New: func() any {
	b := make([]byte, contenthash.BlockSize)
	return &b
}}

// HashFile returns the Dropbox content hash of the file at path and the
// number of bytes read.
func HashFile(path string) (hash string, n int64, err error) {
	return (&File{Path: path}).hash(nil)
}

// hash returns the Dropbox content hash of f, opened with o (nil: f.Open),
// and the number of bytes read.
func (f *File) hash(o *Opener) (hash string, n int64, err error) {
	var r *os.File
	if o != nil {
		r, err = o.Open(f)
	} else {
		r, err = f.Open()
	}
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	return hashBlocks(r)
}

// hashBlocks returns the content hash of what r holds, and its size. It
// reads whole 4 MiB blocks and hashes each where it was read: a small
// file is one read and one SHA-256, with nothing copied.
func hashBlocks(r io.Reader) (string, int64, error) {
	bp := blockBuffers.Get().(*[]byte)
	defer blockBuffers.Put(bp)
	buf := *bp
	var one [1]blocks.Digest
	ds := one[:0]
	var n int64
	for {
		m, err := io.ReadFull(r, buf)
		if m > 0 {
			ds = append(ds, sha256.Sum256(buf[:m]))
			n += int64(m)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return blocks.Join(ds), n, nil
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
	// Each worker takes the next file in the tree's order and keeps its
	// folder open for the next ones (Opener).
	next := make(chan *File)
	g, gctx := errgroup.WithContext(ctx)
	for range min(workers, len(files)) {
		g.Go(func() error {
			var o Opener
			defer o.Close()
			for f := range next {
				if err := gctx.Err(); err != nil {
					return err
				}
				h, n, err := f.hash(&o)
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
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(next)
		for _, f := range files {
			select {
			case next <- f:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
