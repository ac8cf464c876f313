package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Blob is the content of one file version. Versions never change; a new
// upload makes a new blob.
type Blob interface {
	// Size is the number of bytes.
	Size() int64
	// Open returns a reader of the content; the caller closes it.
	Open() (contentReader, error)
}

// contentReader reads a blob at any offset.
type contentReader interface {
	io.ReaderAt
	io.Closer
}

// memBlob is content held in memory as a list of pieces (the chunks of an
// upload session are kept as they came, not copied into one slice).
type memBlob struct {
	pieces [][]byte
	starts []int64 // offset of each piece
	size   int64
}

// NewMemBlob returns content held in memory, made of pieces.
func NewMemBlob(pieces ...[]byte) Blob { return newMemBlob(pieces...) }

func newMemBlob(pieces ...[]byte) *memBlob {
	b := &memBlob{}
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		b.pieces = append(b.pieces, p)
		b.starts = append(b.starts, b.size)
		b.size += int64(len(p))
	}
	return b
}

func (b *memBlob) Size() int64                  { return b.size }
func (b *memBlob) Open() (contentReader, error) { return b, nil }
func (b *memBlob) Close() error                 { return nil }

// ReadAt reads across pieces.
func (b *memBlob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("emulator: negative offset")
	}
	if off >= b.size {
		return 0, io.EOF
	}
	i := sort.Search(len(b.starts), func(i int) bool { return b.starts[i] > off }) - 1
	n := 0
	for n < len(p) && i < len(b.pieces) {
		piece := b.pieces[i][off-b.starts[i]:]
		c := copy(p[n:], piece)
		n += c
		off += int64(c)
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fileBlob is content in a file under the data directory's blobs/.
type fileBlob struct {
	path string
	size int64
}

func (b *fileBlob) Size() int64 { return b.size }

func (b *fileBlob) Open() (contentReader, error) { return os.Open(b.path) }

// BlobStore places content: in memory, or in files under a data directory
// (tmp/ while being written, blobs/ once complete and synced).
type BlobStore struct {
	dir string // "" = memory
}

// Memory reports whether blobs are kept in memory (no data directory).
func (bs *BlobStore) Memory() bool { return bs.dir == "" }

func (bs *BlobStore) tmpDir() string  { return filepath.Join(bs.dir, "tmp") }
func (bs *BlobStore) blobDir() string { return filepath.Join(bs.dir, "blobs") }

// newID returns a random blob file name.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Create opens a new temporary file for content being received.
func (bs *BlobStore) Create() (*os.File, string, error) {
	id := newID()
	f, err := os.OpenFile(filepath.Join(bs.tmpDir(), id), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	return f, id, err
}

// TmpPath is where content with this id is while it is being written.
func (bs *BlobStore) TmpPath(id string) string { return filepath.Join(bs.tmpDir(), id) }

// Publish makes finished content permanent: fsync the temporary file, then
// rename it into blobs/. The directory itself is synced with the journal,
// before any record that names the blob is synced.
func (bs *BlobStore) Publish(id string, size int64) (*fileBlob, error) {
	tmp := bs.TmpPath(id)
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if err := syncClose(f); err != nil {
		return nil, err
	}
	final := filepath.Join(bs.blobDir(), id)
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	return &fileBlob{path: final, size: size}, nil
}

// Discard forgets content no file refers to any more.
func (bs *BlobStore) Discard(bl Blob) {
	if fb, ok := bl.(*fileBlob); ok {
		_ = os.Remove(fb.path)
	}
}
