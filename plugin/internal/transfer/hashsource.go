package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"
)

// hashingSource is a filetransfer source that computes the file's Dropbox
// content hash from the bytes as they are read for sending, so that a large
// file is read once, not once to hash and once to send.
//
// filetransfer reads ranges of 8 MiB (a multiple of the 4 MiB hash block)
// at aligned offsets, several at once and in any order, which the SDK's
// sequential contenthash.Hasher cannot follow. So each block is hashed on
// its own as its range is read, and Sum joins the block digests the way
// the content hash is defined: SHA-256 of the concatenated SHA-256 digests
// of the 4 MiB blocks. Tests check it against contenthash.Compute.
type hashingSource struct {
	*filetransfer.FileSource
	path    string
	modTime time.Time
	mu      sync.Mutex
	blocks  [][]byte // digest of block i, once read
}

func newHashingSource(path string) (*hashingSource, error) {
	src, err := filetransfer.FileUpload(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	n := (src.Size() + contenthash.BlockSize - 1) / contenthash.BlockSize
	return &hashingSource{FileSource: src, path: path, modTime: info.ModTime(), blocks: make([][]byte, n)}, nil
}

// OpenRange opens a range for sending and hashes its blocks as they pass.
func (s *hashingSource) OpenRange(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	if offset%contenthash.BlockSize != 0 || (length%contenthash.BlockSize != 0 && offset+length != s.Size()) {
		return nil, fmt.Errorf("range [%d,+%d) is not aligned to the content hash's blocks", offset, length)
	}
	rc, err := s.FileSource.OpenRange(ctx, offset, length)
	if err != nil {
		return nil, err
	}
	return &blockHasher{rc: rc, src: s, block: int(offset / contenthash.BlockSize), h: sha256.New()}, nil
}

// Open is used for sequential uploads (not by Upload's parallel path).
func (s *hashingSource) Open(ctx context.Context) (io.ReadCloser, error) {
	return s.OpenRange(ctx, 0, s.Size())
}

// Sum returns the content hash, once every block has been read, and checks
// that the file was not modified while it was sent.
func (s *hashingSource) Sum() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := sha256.New()
	for i, d := range s.blocks {
		if d == nil {
			return "", fmt.Errorf("block %d of %s was never read", i, s.path)
		}
		all.Write(d)
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return "", err
	}
	if info.Size() != s.Size() || !info.ModTime().Equal(s.modTime) {
		return "", errChanged
	}
	return hex.EncodeToString(all.Sum(nil)), nil
}

// blockHasher hashes a range's blocks, in order, as they are read.
type blockHasher struct {
	rc    io.ReadCloser
	src   *hashingSource
	block int // index of the block being read
	h     interface {
		io.Writer
		Sum([]byte) []byte
		Reset()
	}
	n int // bytes of the current block read so far
}

func (b *blockHasher) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	for rest := p[:n]; len(rest) > 0; {
		take := min(len(rest), contenthash.BlockSize-b.n)
		b.h.Write(rest[:take])
		b.n += take
		rest = rest[take:]
		if b.n == contenthash.BlockSize {
			b.flush()
		}
	}
	if err == io.EOF && b.n > 0 {
		b.flush()
	}
	return n, err
}

func (b *blockHasher) flush() {
	b.src.mu.Lock()
	b.src.blocks[b.block] = b.h.Sum(nil)
	b.src.mu.Unlock()
	b.h.Reset()
	b.block++
	b.n = 0
}

func (b *blockHasher) Close() error { return b.rc.Close() }
