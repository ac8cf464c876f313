// Package atomicfile writes files so that nothing half-written ever stands
// at the final path: the data goes to a temporary file in the same
// directory, which is synced, given its mode, closed, and then renamed over
// the final path (or linked to it, when an existing file must not be
// replaced); the directory is synced last. An interrupted write leaves
// either the old file or the new one, and temporaries are removed on error.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// WriteFile writes data to path atomically, with mode perm (applied
// exactly: the umask does not narrow it). With replace false, an existing
// file at path is left alone and an *exit.Error (code Local, "… already
// exists") is returned.
func WriteFile(path string, data []byte, perm fs.FileMode, replace bool) error {
	f, err := Create(path, perm)
	return fill(f, err, data, replace)
}

// WriteFileIn is WriteFile for the file name inside root: no symbolic
// link or ".." in name leads out of root, and the temporary is made
// there too. shown is how messages name the file.
func WriteFileIn(root *os.Root, name, shown string, data []byte, perm fs.FileMode, replace bool) error {
	f, err := CreateIn(root, name, shown, perm)
	return fill(f, err, data, replace)
}

// fill writes data into f, just created (unless err), and commits it.
func fill(f *File, err error, data []byte, replace bool) error {
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit(replace)
}

// File is a file being written. Nothing is at its final path until Commit;
// Abort (or a failed Commit) removes the temporary. Call Abort in a defer:
// after Commit it does nothing.
type File struct {
	path  string // as messages name it
	dir   folder
	final string // the final name in dir
	perm  fs.FileMode
	tmp   *os.File
	tname string // the temporary's name in dir
	done  bool
}

// folder is where a File is written: the process's file system (names
// are paths) or an os.Root (names are inside it).
type folder interface {
	rename(from, to string) error
	link(from, to string) error
	lstat(name string) error
	remove(name string) error
	sync() error // makes a rename in the folder durable
}

// Create starts writing path: it makes a temporary file beside it.
func Create(path string, perm fs.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, writeError(path, err)
	}
	return &File{path: path, dir: paths(dir), final: path, perm: perm, tmp: tmp, tname: tmp.Name()}, nil
}

// CreateIn is Create for the file name inside root (see WriteFileIn).
func CreateIn(root *os.Root, name, shown string, perm fs.FileMode) (*File, error) {
	dir, base := filepath.Split(name)
	for range 10000 {
		tname := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 10))
		tmp, err := root.OpenFile(tname, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, writeError(shown, err)
		}
		return &File{path: shown, dir: rooted{root, dir}, final: name, perm: perm, tmp: tmp, tname: tname}, nil
	}
	return nil, writeError(shown, fs.ErrExist)
}

// Name returns the final path.
func (f *File) Name() string { return f.path }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, writeError(f.path, os.ErrClosed)
	}
	n, err := f.tmp.Write(p)
	if err != nil {
		return n, writeError(f.path, err)
	}
	return n, nil
}

// Commit syncs and closes the temporary file, gives it its mode and puts it
// at the final path. With replace true an existing file is replaced; with
// replace false it is kept and an "already exists" *exit.Error is returned.
// Either way the temporary is gone when Commit returns.
func (f *File) Commit(replace bool) error {
	if f.done {
		return writeError(f.path, os.ErrClosed)
	}
	f.done = true
	err := f.tmp.Sync()
	if err == nil {
		err = f.tmp.Chmod(f.perm)
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if replace {
			err = f.dir.rename(f.tname, f.final)
		} else {
			err = link(f.dir, f.tname, f.final)
		}
	}
	if rerr := f.dir.remove(f.tname); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return existsError(f.path, err)
		}
		return writeError(f.path, err)
	}
	if err := f.dir.sync(); err != nil {
		return writeError(filepath.Dir(f.path), err)
	}
	return nil
}

// Abort removes the temporary file. It does nothing after Commit.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.tmp.Close()
	return f.dir.remove(f.tname)
}

// Absent returns the error Commit(false) would return if something is at
// path already, so that a command can refuse before it asks for anything.
// The check is advisory: Commit(false) checks again, atomically.
func Absent(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return existsError(path, fs.ErrExist)
	}
	return nil
}

func existsError(path string, err error) error {
	return exit.Wrap(exit.Local, err, fmt.Sprintf("%q already exists", path), "pass --force to replace it")
}

// link puts tmp at path in dir without replacing a file already there.
// Where the file system has no hard links, it falls back to checking, then
// renaming: a small window in which a file created by someone else could
// be replaced.
func link(dir folder, tmp, path string) error {
	err := dir.link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if dir.lstat(path) == nil {
		return fs.ErrExist
	}
	return dir.rename(tmp, path)
}

// paths is the process's file system, for files in the folder it names.
type paths string

func (paths) rename(from, to string) error { return os.Rename(from, to) }
func (paths) link(from, to string) error   { return os.Link(from, to) }
func (paths) remove(name string) error     { return os.Remove(name) }
func (paths) lstat(name string) error {
	_, err := os.Lstat(name)
	return err
}
func (p paths) sync() error {
	d, err := os.Open(string(p))
	if err != nil {
		return err
	}
	return syncClose(d)
}

// rooted is the folder dir inside an os.Root.
type rooted struct {
	root *os.Root
	dir  string
}

func (r rooted) rename(from, to string) error { return r.root.Rename(from, to) }
func (r rooted) link(from, to string) error   { return r.root.Link(from, to) }
func (r rooted) remove(name string) error     { return r.root.Remove(name) }
func (r rooted) lstat(name string) error {
	_, err := r.root.Lstat(name)
	return err
}
func (r rooted) sync() error {
	d, err := r.root.Open(filepath.Join(r.dir, "."))
	if err != nil {
		return err
	}
	return syncClose(d)
}

// syncClose syncs the open folder d and closes it. Windows cannot sync a
// directory.
func syncClose(d *os.File) error {
	defer d.Close()
	if runtime.GOOS == "windows" {
		return nil
	}
	return d.Sync()
}

// writeError reports a failed write of path as an *exit.Error (code Local).
func writeError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	cause := err
	switch {
	case errors.As(err, &pe):
		cause = pe.Err
	case errors.As(err, &le):
		cause = le.Err
	}
	return exit.Wrap(exit.Local, err, fmt.Sprintf("cannot write %q: %v", path, cause),
		"check that its folder exists and that you may write there")
}
