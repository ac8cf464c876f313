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
	"os"
	"path/filepath"
	"runtime"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// WriteFile writes data to path atomically, with mode perm (applied
// exactly: the umask does not narrow it). With replace false, an existing
// file at path is left alone and an *exit.Error (code Local, "… already
// exists") is returned.
func WriteFile(path string, data []byte, perm fs.FileMode, replace bool) error {
	f, err := Create(path, perm)
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
	path string
	perm fs.FileMode
	tmp  *os.File
	done bool
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
	return &File{path: path, perm: perm, tmp: tmp}, nil
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
	tmp := f.tmp.Name()
	err := f.tmp.Sync()
	if err == nil {
		err = f.tmp.Chmod(f.perm)
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if replace {
			err = os.Rename(tmp, f.path)
		} else {
			err = link(tmp, f.path)
		}
	}
	if rerr := os.Remove(tmp); err == nil && rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return existsError(f.path, err)
		}
		return writeError(f.path, err)
	}
	return syncDir(filepath.Dir(f.path))
}

// Abort removes the temporary file. It does nothing after Commit.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.tmp.Close()
	return os.Remove(f.tmp.Name())
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

// link puts tmp at path without replacing a file already there. Where the
// file system has no hard links, it falls back to checking, then renaming:
// a small window in which a file created by someone else could be replaced.
func link(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, path)
}

// syncDir makes the rename durable. Windows cannot sync a directory.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return writeError(dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return writeError(dir, err)
	}
	return nil
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
