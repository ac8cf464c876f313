package pull

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// file is the temporary file a download is written to.
type file interface {
	io.WriterAt
	io.ReaderAt
	Sync() error
	Close() error
}

// createFile makes a new file below root; tests replace it to make writes
// fail as on a full disk.
type createFile func(root *os.Root, name string) (file, error)

// createOS makes the temporary file and locks it (where the system has
// file locks) while this process lives, so that another pull's clean-up
// of temporaries (removeTemps) leaves it alone.
func createOS(root *os.Root, name string) (file, error) {
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if err == nil {
		lockTemp(f)
	}
	return f, err
}

// target is a filetransfer.DownloadTarget that writes one file below the
// local folder, through an *os.Root so that nothing lands outside it even
// if a folder there is a symbolic link. Data goes to a temporary file
// beside the final one; each 4 MiB block is hashed as soon as it is
// complete (blocks may arrive out of order from parallel ranges), and
// Commit checks the Dropbox content hash, syncs, and renames the file into
// place. Nothing half-written is ever at the final path, and Abort (or a
// failed Commit) removes the temporary.
type target struct {
	root    *os.Root
	name    string // final path below root, OS form
	display string // for messages
	replace bool   // replace a file there (else an existing file is kept)
	want    string // the listing's content hash, if the response has none
	create  createFile
	sent    func(int64)

	mu   sync.Mutex
	f    file
	tmp  string
	size int64
	hash string
	// The blocks written to, by index. Kept as they come, not made for
	// the size announced: memory follows the data received, not a claim.
	blocks map[int64]*block
}

// block is what is known of one 4 MiB block of the file.
type block struct {
	filled int64         // bytes written to it
	digest blocks.Digest // its SHA-256, once hashed
	hashed bool
}

var _ filetransfer.DownloadTarget = (*target)(nil)

// errMismatch means the data did not have the content hash Dropbox gave.
var errMismatch = errors.New("the downloaded data does not have Dropbox's content hash")

// errExists means a file appeared at the final path during the pull.
var errExists = errors.New("a file appeared here during the pull; kept")

// localError is a failure of the local file system: the pull stops.
type localError struct {
	path string
	err  error
}

func (e *localError) Error() string { return fmt.Sprintf("%q: %s", e.path, cause(e.err)) }
func (e *localError) Unwrap() error { return e.err }

func (t *target) fail(err error) error { return &localError{path: t.display, err: err} }

// Prepare creates the temporary file.
func (t *target) Prepare(ctx context.Context, info filetransfer.DownloadInfo) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	hash := info.ContentHash
	if hash == "" {
		hash = t.want
	}
	if hash == "" {
		return errors.New("Dropbox gave no content hash to check the file against")
	}
	if info.Size < 0 || info.Size > remote.MaxFileSize {
		return dbx.Unexpected(fmt.Sprintf("downloading %q: the server says it holds %d bytes, more than any file on Dropbox (at most %d)", t.display, info.Size, remote.MaxFileSize))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f != nil {
		return errors.New("download target is already prepared")
	}
	dir, base := filepath.Split(t.name)
	tmp := filepath.Join(dir, local.PullTemp(base, randomSuffix()))
	f, err := t.create(t.root, tmp)
	if err != nil {
		return t.fail(err)
	}
	t.f, t.tmp, t.size, t.hash = f, tmp, info.Size, hash
	t.blocks = map[int64]*block{}
	return nil
}

// WriteAt writes data at off, and hashes every block it completes.
func (t *target) WriteAt(p []byte, off int64) (int, error) {
	t.mu.Lock()
	f, size := t.f, t.size
	t.mu.Unlock()
	if f == nil {
		return 0, errors.New("download target is not prepared")
	}
	if off < 0 || off+int64(len(p)) > size {
		return 0, fmt.Errorf("Dropbox sent more data than the %d bytes it announced", size)
	}
	n, err := f.WriteAt(p, off)
	if n > 0 {
		t.sent(int64(n))
		if herr := t.account(f, off, int64(n)); herr != nil && err == nil {
			err = herr
		}
	}
	if err != nil {
		return n, t.fail(err)
	}
	return n, nil
}

// account records n bytes written at off and hashes the blocks that are
// now complete.
func (t *target) account(f file, off, n int64) error {
	const bs = contenthash.BlockSize
	for i := off / bs; i*bs < off+n; i++ {
		start, end := max(off, i*bs), min(off+n, (i+1)*bs)
		t.mu.Lock()
		b := t.block(i)
		b.filled += end - start
		full := b.filled == t.blockLen(i)
		t.mu.Unlock()
		if full {
			if err := t.hashBlock(f, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// block returns block i, made on first use; t.mu is held.
func (t *target) block(i int64) *block {
	b := t.blocks[i]
	if b == nil {
		b = &block{}
		t.blocks[i] = b
	}
	return b
}

func (t *target) blockLen(i int64) int64 {
	return min(contenthash.BlockSize, t.size-i*contenthash.BlockSize)
}

// hashBlock reads block i back (from the page cache) and keeps its digest.
func (t *target) hashBlock(f file, i int64) error {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, i*contenthash.BlockSize, t.blockLen(i))); err != nil {
		return err
	}
	t.mu.Lock()
	b := t.block(i)
	h.Sum(b.digest[:0])
	b.hashed = true
	t.mu.Unlock()
	return nil
}

// Commit checks the content hash, then syncs the file and puts it at its
// final path.
func (t *target) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	f, tmp := t.f, t.tmp
	t.mu.Unlock()
	if f == nil {
		return errors.New("download target is not prepared")
	}
	// Every byte was received before Commit (the downloader checks), so
	// this list is as long as the data received allows.
	digests := make([]blocks.Digest, (t.size+contenthash.BlockSize-1)/contenthash.BlockSize)
	for i := range digests {
		t.mu.Lock()
		b := t.block(int64(i))
		ok := b.hashed && b.filled == t.blockLen(int64(i)) // else written twice, or not at all
		t.mu.Unlock()
		if !ok {
			if err := t.hashBlock(f, int64(i)); err != nil {
				return t.fail(err)
			}
		}
		digests[i] = b.digest
	}
	if blocks.Join(digests) != t.hash {
		return errMismatch
	}
	if err := f.Sync(); err != nil {
		return t.fail(err)
	}
	t.mu.Lock()
	t.f = nil
	t.mu.Unlock()
	err := f.Close()
	if err == nil {
		err = t.place(tmp)
	}
	if rerr := t.root.Remove(tmp); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	t.mu.Lock()
	t.tmp = ""
	t.mu.Unlock()
	switch {
	case errors.Is(err, errExists):
		return err
	case err != nil:
		return t.fail(err)
	}
	return t.syncDir()
}

// place puts tmp at the final path: a rename that replaces, or a hard link
// that fails if something is there (where the file system has no hard
// links: look, then rename).
func (t *target) place(tmp string) error {
	if t.replace {
		return t.root.Rename(tmp, t.name)
	}
	err := t.root.Link(tmp, t.name)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return errExists
	}
	if _, serr := t.root.Lstat(t.name); serr == nil {
		return errExists
	}
	return t.root.Rename(tmp, t.name)
}

// syncDir makes the rename durable. Windows cannot sync a directory.
func (t *target) syncDir() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := t.root.Open(filepath.Dir(t.name))
	if err != nil {
		return t.fail(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return t.fail(err)
	}
	return nil
}

// Abort removes the temporary file. It may be called more than once, and
// does nothing after Commit.
func (t *target) Abort(context.Context, error) error {
	t.mu.Lock()
	f, tmp := t.f, t.tmp
	t.f, t.tmp = nil, ""
	t.mu.Unlock()
	if f != nil {
		f.Close()
	}
	if tmp != "" {
		if err := t.root.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
