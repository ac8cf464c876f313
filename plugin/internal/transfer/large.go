package transfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptrace"
	"os"
	"sync"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
)

// ChunkSize is the size of the chunks of a large file: a multiple of the
// 4 MiB that concurrent upload sessions require, as the SDK's filetransfer
// uses.
const ChunkSize = 8 << 20

// sendLarge uploads one large file through a concurrent upload session:
// ChunkParallel chunks of 8 MiB in flight at once, each read with ReadAt
// into a buffer from the upload's budget (Options.InFlight), hashed block
// by block as it is read, and sent with its own content_hash; the final
// chunk, which closes the session, goes last. The commit goes to the committer, and the
// next large file starts without waiting for it.
//
// With Options.Resume, each acknowledged chunk is written down (package
// resume), and a later run continues an interrupted session from there
// (see resumable).
//
// This is the protocol of the SDK's filetransfer uploader, which this
// replaced: filetransfer reads every chunk with io.ReadAll, whose buffer
// grows from 512 bytes and allocates and zeroes about five times the chunk
// size; measured here, that was half the CPU time of a 1 GiB upload.
func (u *uploader) sendLarge(it *plan.Item) {
	f, err := it.File.Open() // inside the scanned folder, whatever was swapped into its path
	if err != nil {
		u.finish(it, nil, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		u.finish(it, nil, err)
		return
	}
	if info.Size() != it.File.Size {
		u.finish(it, nil, errChanged)
		return
	}
	lf := &largeFile{u: u, it: it, f: f, info: info, size: info.Size()}
	lf.n = (lf.size + ChunkSize - 1) / ChunkSize
	err = lf.send(info)
	if err == nil {
		err = unchangedSince(it.File, info)
	}
	if err != nil {
		lf.forget(err)
		u.finish(it, nil, err)
		return
	}
	u.commitLarge(lf)
}

// largeFile is one large file being sent.
type largeFile struct {
	u       *uploader
	it      *plan.Item
	f       *os.File
	info    os.FileInfo // f when opened
	size    int64
	n       int64          // chunks
	session string         // the upload session
	state   *resume.Upload // nil: not written down
	digests [][]blocks.Digest
	// resumed: the session is an interrupted run's (resume.go), and
	// closedBefore says that run had closed it: nothing more is sent.
	resumed      bool
	closedBefore atomic.Bool
}

// send sends the file's data into a concurrent session (a new one, or the
// interrupted one it continues), closes it, and records the file's content
// hash.
func (lf *largeFile) send(info os.FileInfo) error {
	resumed, err := lf.resumable(info)
	if err != nil {
		return err
	}
	lf.resumed = resumed
	if !resumed {
		if err := lf.start(info); err != nil {
			return err
		}
	}
	err = lf.sendChunks()
	if err != nil && resumed && sessionGone(err) {
		lf.resumed = false
		lf.startOver("Dropbox no longer knows the interrupted upload session")
		if err := lf.start(info); err != nil {
			return err
		}
		err = lf.sendChunks()
	}
	if err != nil {
		return err
	}
	var all []blocks.Digest
	for _, d := range lf.digests {
		all = append(all, d...)
	}
	return setHash(lf.it, blocks.Join(all))
}

// start opens a new concurrent session (and writes it down).
func (lf *largeFile) start(info os.FileInfo) error {
	u := lf.u
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
	// No body at all (Content-Length: 0): through the SDK, an empty reader
	// goes as an empty chunked body, which Dropbox is not known to accept.
	if lf.session = u.o.Early.take(); lf.session == "" {
		res, err := u.c.Files.UploadSessionStartContext(u.ctx, arg, nil)
		if err != nil {
			return err
		}
		lf.session = res.SessionId
	}
	lf.digests = make([][]blocks.Digest, lf.n)
	lf.state = nil
	if u.o.Resume != nil {
		st, err := u.o.Resume.Begin(lf.it.Dest, lf.it.File.Path, lf.size, info.ModTime(), lf.session, ChunkSize)
		if err != nil {
			u.o.Log.Warn("cannot write down the upload state; a killed run will send this file again", "file", lf.it.File.Rel, "error", err)
		} else {
			lf.state = st
		}
	}
	return nil
}

// sendChunks sends every chunk not yet acknowledged, ChunkParallel at a
// time, then the closing chunk.
//
// A reader goroutine reads and hashes the chunks, in order, into buffers
// from the upload's budget, so that a sender that is done takes the next
// chunk ready and the link does not wait for the disk or for SHA-256; it
// also prepares the closing chunk while the last ones are in flight. The
// budget, shared with the packs of small files and the other large files,
// bounds the memory whatever the number and the size of the files.
func (lf *largeFile) sendChunks() error {
	u := lf.u
	g, gctx := errgroup.WithContext(u.ctx)
	ready := make(chan *chunk)
	final := make(chan *chunk, 1)
	g.Go(func() error { return lf.read(gctx, ready, final) })

	// The first senders start one after another, each once the one before
	// has written out its first request: chunks that start together share
	// the link, end together, and then all wait out a round trip at once,
	// leaving the link idle. Staggered, the others fill it while one waits
	// for its answer and for its next request to get going.
	gate := make(chan struct{})
	close(gate)
	for w := 0; w < u.o.ChunkParallel; w++ {
		prev := gate
		next := make(chan struct{})
		var once sync.Once
		opened := func() { once.Do(func() { close(next) }) }
		gate = next
		g.Go(func() error {
			defer opened()
			select {
			case <-prev:
			case <-gctx.Done():
				return nil
			}
			first := true
			for c := range ready {
				ctx := u.ctx
				// An interrupted run's session may be closed already: its
				// first chunk goes alone, and the others wait for the
				// answer (opened below), so that at most one is sent in
				// vain (resume.go, closedBefore).
				if first && !lf.resumed {
					ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { opened() }})
				}
				first = false
				err := lf.sendChunk(ctx, c)
				u.budget.give(c.data)
				if err != nil {
					return err
				}
				opened()
			}
			return nil
		})
	}
	err := g.Wait()
	c := <-final // the reader put exactly one, and has returned
	if c != nil && c.data != nil {
		defer u.budget.give(c.data)
	}
	switch {
	case err != nil:
		return err
	case u.ctx.Err() != nil:
		return u.ctx.Err()
	case c == nil: // acknowledged before
	case c.err != nil:
		return c.err
	default: // the closing chunk, once the others are in
		if err := lf.sendChunk(u.ctx, c); err != nil {
			return err
		}
	}
	if lf.state != nil {
		if err := lf.state.Flush(); err != nil {
			u.o.Log.Warn("cannot write down the upload state", "file", lf.it.File.Rel, "error", err)
		}
	}
	return nil
}

// chunk is a chunk read and hashed, ready to be sent.
type chunk struct {
	i    int64
	data []byte // from the budget: give it back
	ds   []blocks.Digest
	err  error // reading failed
}

// read reads and hashes the chunks not yet acknowledged, in order: the
// others into ready (closed at the end), the closing one into final (nil
// if it was acknowledged before, or if ctx ended first). It puts exactly
// one value into final. A read error ends it.
func (lf *largeFile) read(ctx context.Context, ready chan<- *chunk, final chan<- *chunk) error {
	defer close(ready)
	for i := int64(0); i < lf.n; i++ {
		if lf.digests[i] != nil {
			if i == lf.n-1 {
				final <- nil
			}
			continue // acknowledged before
		}
		c, err := lf.readChunk(ctx, i)
		switch {
		case err != nil:
			final <- &chunk{err: err}
			return err
		case c == nil: // ctx ended
			final <- nil
			return nil
		}
		if i == lf.n-1 {
			final <- c
			return nil
		}
		select {
		case ready <- c:
		case <-ctx.Done():
			lf.u.budget.give(c.data)
			final <- nil
			return nil
		}
	}
	if lf.n == 0 {
		final <- nil
	}
	return nil
}

// readChunk reads and hashes chunk i into a buffer of the budget (the
// first chunk of the first large file was read while Dropbox was listed:
// Early); nil, nil when ctx ended first.
func (lf *largeFile) readChunk(ctx context.Context, i int64) (*chunk, error) {
	if i == 0 {
		if data, ds := lf.u.o.Early.firstChunk(lf.it.File, lf.info); data != nil {
			if err := lf.u.budget.adopt(ctx, data); err != nil {
				return nil, nil
			}
			return &chunk{i: 0, data: data, ds: ds}, nil
		}
	}
	off := i * ChunkSize
	data, err := lf.u.budget.take(ctx, min(ChunkSize, lf.size-off))
	if err != nil {
		return nil, nil
	}
	if _, err := lf.f.ReadAt(data, off); err != nil && err != io.EOF {
		lf.u.budget.give(data)
		return nil, fmt.Errorf("reading %q: %w", lf.it.File.Path, err)
	}
	return &chunk{i: i, data: data, ds: blocks.Digests(data)}, nil
}

// sendChunk sends chunk c and writes down that Dropbox acknowledged it.
func (lf *largeFile) sendChunk(ctx context.Context, c *chunk) error {
	u := lf.u
	arg := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(lf.session, uint64(c.i*ChunkSize)))
	arg.Close = c.i == lf.n-1
	arg.ContentHash = blocks.Join(c.ds)
	there := lf.closedBefore.Load()
	if !there {
		err := u.c.Files.UploadSessionAppendV2Context(u.sending(ctx), arg, bytes.NewReader(c.data))
		switch {
		case err == nil:
		case arg.Close && dbx.HasTag(err, "closed"):
			// A closing chunk refused as "closed" was received before:
			// its answer was lost (a retry, or a killed run). The commit
			// checks the content hash of the whole file.
			u.o.Log.Debug("the closing chunk was received before", "file", lf.it.File.Rel)
		case lf.resumed && dbx.HasTag(err, "closed"):
			// The interrupted run closed the session, which it does only
			// once every other chunk was acknowledged: all are there,
			// though not all were written down before the kill. Nothing
			// more is sent; the commit checks the content hash of the
			// whole file.
			lf.closedBefore.Store(true)
			there = true
			u.o.Log.Info("the interrupted upload had sent every chunk; committing it", "file", lf.it.File.Rel)
		default:
			return err
		}
	}
	lf.digests[c.i] = c.ds
	if lf.state != nil {
		lf.state.Record(c.i, c.ds, arg.Close)
	}
	if there {
		u.o.Observer.Resumed(int64(len(c.data)))
	} else {
		u.o.Observer.Sent(int64(len(c.data)))
	}
	return nil
}

// unchangedSince reports errChanged if the file was modified after
// it was opened for sending (another size or modification time).
func unchangedSince(file *local.File, before os.FileInfo) error {
	after, err := file.Stat()
	if err != nil {
		return err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return errChanged
	}
	return nil
}
