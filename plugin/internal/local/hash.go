package local

import (
	"bytes"
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
// files does not allocate (and zero) 4 MiB for each.
var blockBuffers = sync.Pool{New: func() any {
	b := make([]byte, contenthash.BlockSize)
	return &b
}}

// smallFile is the size of the first read of a file being hashed: a
// smaller file is read whole by it, and never takes a 4 MiB buffer
// (blockBuffers). Hashing 100,000 small files took one a worker: 12 MiB.
const smallFile = 64 << 10

var smallBuffers = sync.Pool{New: func() any {
	b := make([]byte, smallFile)
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

// hashBlocks returns the content hash of what r holds, and its size. A
// file smaller than smallFile is one read and one SHA-256; a larger one
// goes on in whole 4 MiB blocks (hashLarge).
func hashBlocks(r io.Reader) (string, int64, error) {
	bp := smallBuffers.Get().(*[]byte)
	defer smallBuffers.Put(bp)
	m, err := io.ReadFull(r, *bp)
	switch {
	case err == nil: // the buffer is full: more may come
		return hashLarge(io.MultiReader(bytes.NewReader((*bp)[:m]), r))
	case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return "", int64(m), err
	case m == 0:
		return blocks.Join(nil), 0, nil
	}
	return blocks.Join([]blocks.Digest{sha256.Sum256((*bp)[:m])}), int64(m), nil
}

// hashLarge is hashBlocks with 4 MiB reads, each hashed where it was
// read, with nothing copied.
func hashLarge(r io.Reader) (string, int64, error) {
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
	h := StartHashing(ctx, workers, len(files), done)
	for _, f := range files {
		h.Add(f)
	}
	return h.Wait()
}

// Hashing fills in the Hash of the files given to it (Add), several at a
// time, while the caller goes on: a push hashes the files a listing page
// shows Dropbox may hold while the next pages come.
type Hashing struct {
	ctx  context.Context // the caller's
	gctx context.Context // ended when a worker fails
	next chan *File
	g    *errgroup.Group
}

// StartHashing starts hashing with workers at a time (0: one per CPU), for
// up to queue files waiting (Add blocks beyond). done, if not nil, is
// called after each file, from the workers.
func StartHashing(ctx context.Context, workers, queue int, done func(*File)) *Hashing {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	h := &Hashing{ctx: ctx, gctx: gctx, next: make(chan *File, queue), g: g}
	// Each worker takes the next file given and keeps its folder open for
	// the next ones (Opener): a tree's files come in order.
	for range workers {
		g.Go(func() error {
			var o Opener
			defer o.Close()
			for f := range h.next {
				if err := gctx.Err(); err != nil {
					return err
				}
				sum, n, err := f.hash(&o)
				if err != nil {
					return fmt.Errorf("hashing %q: %w", f.Path, err)
				}
				if n != f.Size {
					return fmt.Errorf("%q changed while it was read (%d bytes, was %d): is the experiment still writing it?", f.Path, n, f.Size)
				}
				f.Hash = sum
				if done != nil {
					done(f)
				}
			}
			return nil
		})
	}
	return h
}

// Add gives f to be hashed (nothing, once hashing has failed). Its Hash
// may be read once Wait has returned.
func (h *Hashing) Add(f *File) {
	select {
	case h.next <- f:
	case <-h.gctx.Done():
	}
}

// Wait waits for every file given, and returns the first error (or the
// context's). Nothing may be added after it.
func (h *Hashing) Wait() error {
	close(h.next)
	if err := h.g.Wait(); err != nil {
		return err
	}
	return h.ctx.Err()
}
