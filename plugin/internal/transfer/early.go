package transfer

import (
	"context"
	"io"
	"os"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// Early is an upload session for a large file opened while the caller
// still lists Dropbox (StartEarly), so that the first large file sent does
// not wait a round trip for its session before its data, and that file's
// first chunk, read and hashed meanwhile (8 MiB take about 50 ms to read
// into fresh memory and hash on the project's machine). If no large file
// is sent after all (Dropbox holds them already), the session is left to
// expire: one request spent, and the chunk is dropped.
type Early struct {
	done  chan struct{}
	id    string
	taken atomic.Bool

	file      *local.File
	read      chan struct{} // closed once the first chunk is read, or failed
	data      []byte        // nil if reading failed
	ds        []blocks.Digest
	info      os.FileInfo // the file when its chunk was read
	chunkUsed atomic.Bool
}

// StartEarly opens a concurrent upload session in the background, and
// reads and hashes the first chunk of first (the large file to be sent
// first, if it is sent); pass it as Options.Early.
func StartEarly(ctx context.Context, c *dbx.Client, first *local.File) *Early {
	e := &Early{done: make(chan struct{}), file: first, read: make(chan struct{})}
	go func() {
		defer close(e.done)
		arg := files.NewUploadSessionStartArg()
		arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
		if res, err := c.Files.UploadSessionStartContext(ctx, arg, nil); err == nil {
			e.id = res.SessionId
		}
	}()
	go func() {
		defer close(e.read)
		e.data, e.ds, e.info = readFirstChunk(first)
	}()
	return e
}

// readFirstChunk reads and hashes f's first chunk, with the file as it
// was when read; nil if it cannot be read or changed while it was.
func readFirstChunk(file *local.File) ([]byte, []blocks.Digest, os.FileInfo) {
	if file == nil {
		return nil, nil, nil
	}
	f, err := file.Open()
	if err != nil {
		return nil, nil, nil
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil || before.Size() != file.Size {
		return nil, nil, nil
	}
	data := make([]byte, min(ChunkSize, file.Size), ChunkSize)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, nil
	}
	after, err := f.Stat()
	if err != nil || !sameFile(before, after) {
		return nil, nil, nil
	}
	return data, blocks.Digests(data), after
}

// sameFile reports whether a and b are the same size and modification
// time.
func sameFile(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// take returns the session, once, or "" (none, taken, or it failed: then
// the caller opens one itself, and meets the error, if any, there).
func (e *Early) take() string {
	if e == nil || !e.taken.CompareAndSwap(false, true) {
		return ""
	}
	<-e.done
	return e.id
}

// firstChunk returns, once, the first chunk read early, if it is file's
// and file is as it was then (info: as the sender opened it); nil
// otherwise. The buffer is not counted in any budget yet.
func (e *Early) firstChunk(file *local.File, info os.FileInfo) ([]byte, []blocks.Digest) {
	if e == nil || e.file != file || !e.chunkUsed.CompareAndSwap(false, true) {
		return nil, nil
	}
	<-e.read
	if e.data == nil || !sameFile(e.info, info) {
		return nil, nil
	}
	data, ds := e.data, e.ds
	e.data, e.ds = nil, nil
	return data, ds
}
