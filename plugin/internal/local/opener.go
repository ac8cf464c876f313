package local

import (
	"os"
	"path/filepath"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
)

// Opener opens a tree's files as File.Open does, keeping the folder of the
// last one open: files in the same folder (a tree's files come sorted, so
// they follow each other) then cost one look-up each, not one per level of
// their path, and are not looked at again before they are opened (the scan
// found them regular; regularfile.OpenScanned). Reading a folder's 1,000
// files through it takes five system calls each instead of a dozen. It is not safe for concurrent use; the
// zero value is ready, and Close releases its folder.
type Opener struct {
	in  *os.Root // the root the folder was opened from
	dir string   // the folder's path in it
	d   *os.Root // the folder, open
}

// Open opens f for reading, as f.Open does.
func (o *Opener) Open(f *File) (*os.File, error) {
	dir, base := filepath.Split(f.name)
	if f.root == nil || dir == "" {
		return f.Open()
	}
	if o.d == nil || o.in != f.root || o.dir != dir {
		o.Close()
		d, err := f.root.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		o.in, o.dir, o.d = f.root, dir, d
	}
	return regularfile.OpenScanned(o.d, base)
}

// Close releases the folder held open.
func (o *Opener) Close() {
	if o.d != nil {
		o.d.Close()
		o.d = nil
	}
}
