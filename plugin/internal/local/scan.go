// Package local finds the files to post (walking a folder the way Dropbox
// will see it) and computes their Dropbox content hashes.
package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// StateDir is the folder dropbox-post keeps its own files in (manifests).
// It is never posted.
const StateDir = ".dropbox-post"

// File is a regular file to post.
type File struct {
	Rel     string // path below the scanned root, "/"-separated; a single file: its name
	Path    string // local path, for messages (reads go through Open)
	Size    int64
	ModTime time.Time
	Hash    string // Dropbox content hash, hex; "" until hashed

	root *os.Root // the folder Scan held open; nil: Path is opened as is
	name string   // the file's name inside root
}

// Open opens the file for reading. A file from Scan is opened inside the
// folder the scan held open (os.Root): no symbolic link swapped into any
// component of its path since then, nor ".." in it, makes it read outside
// that folder. Anything but a regular file (a FIFO swapped in) is refused
// at once, without waiting on it.
func (f *File) Open() (*os.File, error) {
	if f.root == nil {
		return regularfile.Open(f.Path)
	}
	return regularfile.OpenIn(f.root, f.name)
}

// Stat returns the file's current size and time, looked up as Open does.
func (f *File) Stat() (os.FileInfo, error) {
	if f.root == nil {
		return os.Stat(f.Path)
	}
	return f.root.Stat(f.name)
}

// Note says why a path was left out or cannot be posted.
type Note struct {
	Rel    string
	Reason string
}

// Tree is what Scan found.
type Tree struct {
	root      *os.Root // held open from Scan to Close
	Root      string   // the scanned path
	IsDir     bool     // Root is a folder (else a single file)
	Files     []*File  // sorted by Rel
	EmptyDirs []string // folders with nothing to post in them, "/"-separated
	Skipped   []Note   // left out on purpose: links, special files, names Dropbox ignores
	Invalid   []Note   // cannot be posted: names Dropbox cannot store, case clashes
	// Filter is what the scan was made with (nil: none); Filtered counts
	// the files (and whole folders with names Dropbox cannot store) it
	// left out.
	Filter   *filter.Filter
	Filtered int

	steps int // names the scan looked up (walker.steps): its cost, for tests
}

// Close releases the folder Scan held open; the files cannot be opened
// after it.
func (t *Tree) Close() error {
	if t.root == nil {
		return nil
	}
	return t.root.Close()
}

// Bytes returns the total size of the files.
func (t *Tree) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// Scan walks root (a file or a folder). Symbolic links are not followed
// (a results folder that links elsewhere must not post what it points to),
// special files and the names Dropbox ignores are skipped, and names Dropbox
// cannot store are listed in Invalid, so that they are reported before
// anything is sent.
//
// The folder (a single file's folder) is opened once, as an os.Root, and
// everything below it is listed, examined and later read (File.Open)
// through it: a symbolic link swapped into a path at any moment does not
// make it read outside. Close the tree when done.
func Scan(root string) (*Tree, error) {
	return scan(root, nil, root, nil)
}

// ScanFiltered is Scan that leaves out the files f does not pass (their
// path below root, or a single file's name, and their size), counted in
// Filtered. A folder is created on Dropbox empty only when it is empty
// here and passes f.Dir; one whose files were all left out is not created.
func ScanFiltered(root string, f *filter.Filter) (*Tree, error) {
	return scan(root, nil, root, f)
}

// ScanWithin is Scan of path, which must lie inside the folder base (a
// study): base is opened first, and path is reached from it through
// os.Root, so that a symbolic link swapped into a component between base
// and path, after path was checked, cannot lead outside base either.
// f filters as for ScanFiltered (nil: nothing left out).
func ScanWithin(base, path string, f *filter.Filter) (*Tree, error) {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel != "." && !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("%q is not inside %q", path, base)
	}
	b, err := os.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	defer b.Close() // the roots opened from it stay open
	return scan(path, b, rel, f)
}

// scan is Scan of root, reached as name inside within (nil: from the file
// system, name = root), filtered by f.
func scan(root string, within *os.Root, name string, f *filter.Filter) (*Tree, error) {
	lstat, openRoot := os.Lstat, os.OpenRoot
	if within != nil {
		lstat, openRoot = within.Lstat, within.OpenRoot
	}
	info, err := lstat(name)
	if err != nil {
		return nil, err
	}
	t := &Tree{Root: root, IsDir: info.IsDir()}
	if f.Active() {
		t.Filter = f
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%q is not a regular file or a folder", root)
		}
		base := filepath.Base(root)
		if !f.File(base, info.Size()) {
			t.Filtered = 1
			return t, nil
		}
		if err := dpath.CheckName(base); err != nil {
			t.Invalid = append(t.Invalid, Note{base, err.Error()})
		}
		if t.root, err = openRoot(filepath.Dir(name)); err != nil {
			return nil, err
		}
		// The same file as the one examined, not one swapped in since.
		if now, err := t.root.Lstat(base); err != nil || !os.SameFile(info, now) {
			t.Close()
			return nil, fmt.Errorf("%s changed while it was read: run again", root)
		}
		t.Files = []*File{{Rel: base, Path: root, Size: info.Size(), ModTime: info.ModTime(), root: t.root, name: base}}
		return t, nil
	}
	if t.root, err = openRoot(name); err != nil {
		return nil, err
	}
	if err := t.walk(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// caseClashes reports files whose paths differ only by case: Dropbox paths
// are case-insensitive, so they would overwrite each other.
func caseClashes(files []*File) []Note {
	seen := make(map[string]string, len(files))
	var out []Note
	for _, f := range files {
		key := dpath.Lower(f.Rel)
		if other, ok := seen[key]; ok {
			out = append(out, Note{f.Rel, fmt.Sprintf("differs from %q only by case; Dropbox would store both as one file", other)})
			continue
		}
		seen[key] = f.Rel
	}
	return out
}

// Explain turns the error of a scan of path into one for the user: a path
// that does not exist (exit.Usage), one that cannot be read (exit.Local),
// or the scan's own *exit.Error as it is (a tree too deep).
func Explain(err error, path string) error {
	var ee *exit.Error
	switch {
	case errors.As(err, &ee):
		return ee
	case errors.Is(err, fs.ErrNotExist):
		return exit.New(exit.Usage, fmt.Sprintf("%q does not exist", path), "check the path to post")
	}
	return exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read %q: %v", path, err), "check the permissions")
}
