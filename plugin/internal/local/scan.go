// Package local finds the files to post (walking a folder the way Dropbox
// will see it) and computes their Dropbox content hashes.
package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	root  *os.Root   // the scanned folder (a single file's folder)
	roots []*os.Root // every folder held open from the scan to Close

	Root      string   // the scanned path
	IsDir     bool     // Root is a folder (else a single file)
	Files     []*File  // sorted by Rel
	EmptyDirs []string // folders with nothing to post in them, "/"-separated
	Skipped   []Note   // left out on purpose: links not followed, special files, names Dropbox ignores
	// Invalid are the files and folders whose names Dropbox cannot store
	// (dpath.CheckName): they are not in Files, and a push fails each of
	// them alone.
	Invalid []Note
	// Twins are files of Files whose paths are one to Dropbox with an
	// earlier file's (by dpath.Key: they differ only by case or by
	// Unicode normalisation): Dropbox would keep one file for both, so a
	// push of the tree is refused.
	Twins []Note
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
	var errs []error
	for _, r := range t.roots {
		errs = append(errs, r.Close())
	}
	t.roots = nil
	return errors.Join(errs...)
}

// Bytes returns the total size of the files.
func (t *Tree) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// Options says what a scan leaves out and where symbolic links may lead.
type Options struct {
	// Filter leaves out the files it does not pass (their path below the
	// scanned folder, or a single file's name, and their size), counted in
	// Filtered. A folder is created on Dropbox empty only when it is empty
	// here and passes Filter.Dir; one whose files were all left out is not
	// created. Nil leaves nothing out.
	Filter *filter.Filter
	// Study, when not "", is the study the scan is for (run). When the
	// scanned path lies in it (or in one of Allowed), that folder is opened
	// first, and the path is reached from it through os.Root, so that a
	// symbolic link swapped into a component between them, after the path
	// was checked, cannot lead outside it either. Links inside the scanned
	// folder are followed anywhere inside it, the study and Allowed.
	Study string
	// Allowed are more folders (absolute paths) that links inside the
	// scanned folder may lead into: the person's DROPBOX_POST_ALLOW_OUTSIDE,
	// never a config's.
	Allowed []string
	// Name, when not "", is the name a single file is posted under, in
	// place of its own: the name of the link the person or the config gave
	// (latest.png, a link to plot-20261204.png, is posted as latest.png).
	Name string
}

// Scan walks root (a file or a folder) with no filter and no Study: see
// ScanWith.
func Scan(root string) (*Tree, error) {
	return ScanWith(root, Options{})
}

// ScanFiltered is Scan that leaves out what f does not pass.
func ScanFiltered(root string, f *filter.Filter) (*Tree, error) {
	return ScanWith(root, Options{Filter: f})
}

// ScanWith walks path (a file or a folder). Special files and the names
// Dropbox ignores are left out (Skipped), and names Dropbox cannot store
// are listed in Invalid, so that they are reported before anything is
// sent. Symbolic links inside a folder are followed when they lead inside
// the scanned folder, o.Study or one of o.Allowed, what they lead to posted
// under the link's name; the others, links to a folder they are in or above
// (loops), further links to a folder already walked through a link, and
// broken links are left out (Skipped), each with why. Without o.Study,
// path itself is followed if it is a link (the person named it; a single
// file is then posted under the link's name); with o.Study, the caller
// has resolved it (and gives its name as o.Name).
//
// The folder (a single file's folder) is opened once, as an os.Root, and
// everything below it is listed, examined and later read (File.Open)
// through it; what a link leads to is reached and read through an os.Root
// of the folder it lies in (the scanned folder, o.Study or an allowed
// one), by its real path: a symbolic link swapped into a path at any
// moment does not make it read outside those. Close the tree when done.
func ScanWith(path string, o Options) (*Tree, error) {
	t := &Tree{Root: path}
	if o.Filter.Active() {
		t.Filter = o.Filter
	}
	if o.Study == "" {
		name, err := follow(path, &o)
		if err != nil {
			return nil, err
		}
		return t.scan(nil, name, o)
	}
	from, rel := "", ""
	for _, in := range append([]string{o.Study}, o.Allowed...) {
		real, err := filepath.EvalSymlinks(in)
		if err != nil {
			continue
		}
		if r, err := filepath.Rel(real, path); err == nil && (r == "." || filepath.IsLocal(r)) {
			from, rel = real, r
			break
		}
	}
	if from == "" { // outside them (--allow-outside-study): on its own
		return t.scan(nil, path, o)
	}
	b, err := os.OpenRoot(from)
	if err != nil {
		return nil, err
	}
	t.roots = append(t.roots, b)
	tree, err := t.scan(b, rel, o)
	if err != nil {
		t.Close()
	}
	return tree, err
}

// follow returns path, or, when it is a symbolic link, what it leads to,
// wherever that is (the person named it), setting o.Name to the link's
// name unless it is set.
func follow(path string, o *Options) (string, error) {
	info, err := os.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil // an error is the scan's
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if o.Name == "" {
		o.Name = filepath.Base(path)
	}
	return real, nil
}

// scan scans t.Root, reached as name inside within (nil: from the file
// system, name = t.Root).
func (t *Tree) scan(within *os.Root, name string, o Options) (*Tree, error) {
	lstat, openRoot := os.Lstat, os.OpenRoot
	if within != nil {
		lstat, openRoot = within.Lstat, within.OpenRoot
	}
	info, err := lstat(name)
	if err != nil {
		return nil, err
	}
	t.IsDir = info.IsDir()
	if !info.IsDir() {
		return t.one(info, name, openRoot, o.Name)
	}
	if t.root, err = openRoot(name); err != nil {
		return nil, err
	}
	t.roots = append(t.roots, t.root)
	w := newWalker(t, o)
	if err := w.walk(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// one makes the tree of a single file, found at name (with info), posted as
// as (its own name if "").
func (t *Tree) one(info os.FileInfo, name string, openRoot func(string) (*os.Root, error), as string) (*Tree, error) {
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file or a folder", t.Root)
	}
	base := filepath.Base(name)
	if as == "" {
		as = base
	}
	if !t.Filter.File(as, info.Size()) {
		t.Filtered = 1
		return t, nil
	}
	if err := dpath.CheckName(as); err != nil {
		t.Invalid = append(t.Invalid, Note{as, err.Error()})
		return t, nil
	}
	var err error
	if t.root, err = openRoot(filepath.Dir(name)); err != nil {
		return nil, err
	}
	t.roots = append(t.roots, t.root)
	// The same file as the one examined, not one swapped in since.
	if now, err := t.root.Lstat(base); err != nil || !os.SameFile(info, now) {
		t.Close()
		return nil, fmt.Errorf("%s changed while it was read: run again", t.Root)
	}
	t.Files = []*File{{Rel: as, Path: t.Root, Size: info.Size(), ModTime: info.ModTime(), root: t.root, name: base}}
	return t, nil
}

// twins reports files whose paths Dropbox takes for one (dpath.Key):
// they differ only by case, or by how their accented letters are encoded
// (Unicode NFC and NFD: a macOS archive unpacked beside files made
// elsewhere), and would overwrite each other.
func twins(files []*File) []Note {
	seen := make(map[string]string, len(files))
	var out []Note
	for _, f := range files {
		key := dpath.Key(f.Rel)
		other, ok := seen[key]
		if !ok {
			seen[key] = f.Rel
			continue
		}
		how := "only by case"
		if dpath.NFC(f.Rel) != f.Rel || dpath.NFC(other) != other {
			how = fmt.Sprintf("only in how its letters are encoded (%+q and %+q: one is Unicode NFD, as macOS writes names)", other, f.Rel)
			if dpath.NFC(f.Rel) != dpath.NFC(other) {
				how = "by case and " + strings.TrimPrefix(how, "only ")
			}
		}
		out = append(out, Note{f.Rel, fmt.Sprintf("differs from %q %s; Dropbox would store both as one file", other, how)})
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
