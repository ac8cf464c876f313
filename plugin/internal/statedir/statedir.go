// Package statedir hands out the folders dropbox-post keeps its own files
// in: upload state, manifests and run logs. Every read and write there goes
// through a Folder, so that one set of rules holds for all of them.
//
// A study's .dropbox-post/ comes with the study, which may come from a
// public repository: what is in it is untrusted input.
//
//   - A Folder is opened as an os.Root: no name leads out of it.
//   - .dropbox-post, or a folder in it, that is a symbolic link (or a
//     Windows junction) is not used: InStudy then gives the same folder in
//     the user's own data folder (Fallback), and says so.
//   - Files are named by the program, bare names only. A file that is a
//     symbolic link, or anything but a regular file (a named pipe is never
//     waited on, a device never opened), is refused, and a size cap is
//     checked before anything is read.
//   - Only names the caller gives are removed, in the real folder.
package statedir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// The folders of .dropbox-post, with the mode each is made with.
const (
	Uploads   = "uploads"   // upload state (package resume), 0700
	Manifests = "manifests" // provenance manifests (package report), 0755
	Logs      = "logs"      // run logs (package runlog), 0700
)

func perm(sub string) fs.FileMode {
	if sub == Manifests {
		return 0o755
	}
	return 0o700
}

// Folder is one folder of dropbox-post's own files. It is made when the
// first file is written into it, not before. Its methods are safe for
// concurrent use.
type Folder struct {
	path  string      // as messages name it
	base  string      // the folder opened as the root; links on the way to it are followed
	chain []string    // the folders below base, each opened without following a link
	perm  fs.FileMode // of the folders made

	mu   sync.Mutex
	root *os.Root // the folder, once opened
}

// At returns the folder at dir: one the person chose (--manifest-dir) or
// their own (the data or cache folder). Links on the way to dir are
// followed; links in it are not. Folders are made with mode perm.
func At(dir string, perm fs.FileMode) *Folder {
	return &Folder{path: dir, base: dir, perm: perm}
}

// InStudy returns the folder sub (Uploads, Manifests or Logs) of study's
// .dropbox-post. When .dropbox-post or its sub is a symbolic link, it is
// not used: the folder returned is sub of Fallback(study), and moved says
// why, for a warning. err is set only when there is no fallback (no data
// folder).
func InStudy(study, sub string, getenv func(string) string) (f *Folder, moved string, err error) {
	inStudy := &Folder{path: filepath.Join(study, local.StateDir, sub), base: study, chain: []string{local.StateDir, sub}, perm: perm(sub)}
	link := ""
	for i := range inStudy.chain {
		p := filepath.Join(append([]string{study}, inStudy.chain[:i+1]...)...)
		if fi, err := os.Lstat(p); err == nil && isLink(fi.Mode()) {
			link = p
			break
		}
	}
	if link == "" {
		return inStudy, "", nil
	}
	dir, err := Fallback(study, getenv)
	if err != nil {
		return nil, "", fmt.Errorf("%q is a symbolic link, and there is no folder of your own to keep %s in instead: %w", link, sub, err)
	}
	f = At(filepath.Join(dir, sub), 0o700)
	if abs, err := filepath.Abs(link); err == nil {
		link = abs // the same words however the study was named: a warning said once is not said again
	}
	what, where := "upload state, manifests and run logs", dir
	if filepath.Base(link) == sub {
		what, where = map[string]string{Uploads: "upload state", Manifests: "manifests", Logs: "run logs"}[sub], f.path
	}
	return f, fmt.Sprintf("%q is a symbolic link, which dropbox-post does not follow: this study's %s are kept in %q instead", link, what, where), nil
}

// isLink reports whether m is a symbolic link, or another file that points
// elsewhere (a Windows junction or mount point).
func isLink(m fs.FileMode) bool { return m&(fs.ModeSymlink|fs.ModeIrregular) != 0 }

// Fallback is where the files of study go when its .dropbox-post cannot be
// used: dropbox-post/studies/NAME-HASH in the user's data folder (see
// UserDataDir), NAME the study folder's name and HASH 12 hex digits of the
// SHA-256 of its absolute path (links resolved), so that each study has
// its own.
func Fallback(study string, getenv func(string) string) (string, error) {
	data, err := UserDataDir(getenv)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(study)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(data, "dropbox-post", "studies", safeName(filepath.Base(abs))+"-"+hex.EncodeToString(sum[:6])), nil
}

// safeName keeps letters, digits, '-', '_' and '.' of name, at most 40.
func safeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	return strings.TrimLeft(s[:min(len(s), 40)], ".")
}

// Path returns the folder's path, as messages name it.
func (f *Folder) Path() string { return f.path }

// Name returns the path of the file name in the folder, as messages name
// it.
func (f *Folder) Name(name string) string { return filepath.Join(f.path, name) }

// open returns the folder's root, making the folder (and those above it
// in the chain) first if create is set. A folder that does not exist, and
// is not to be made, is fs.ErrNotExist.
func (f *Folder) open(create bool) (*os.Root, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root != nil {
		return f.root, nil
	}
	if create && len(f.chain) == 0 {
		if err := os.MkdirAll(f.base, f.perm); err != nil {
			return nil, err
		}
	}
	r, err := os.OpenRoot(f.base)
	if err != nil {
		return nil, err
	}
	for i, name := range f.chain {
		perm := f.perm
		if i < len(f.chain)-1 {
			perm = 0o700
		}
		next, err := openDir(r, name, create, perm)
		r.Close()
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: filepath.Join(append([]string{f.base}, f.chain[:i+1]...)...), Err: err}
		}
		r = next
	}
	f.root = r
	return r, nil
}

// ErrLink is the cause of a refusal of a symbolic link.
var ErrLink = errors.New("it is a symbolic link, which dropbox-post does not follow here")

// openDir opens the folder name in r (made with mode perm first if create
// is set) without following a link: it must be a folder when looked at,
// and the folder opened must be the one looked at (nothing swapped in).
func openDir(r *os.Root, name string, create bool, perm fs.FileMode) (*os.Root, error) {
	fi, err := r.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := r.Mkdir(name, perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, unwrap(err)
		}
		fi, err = r.Lstat(name)
	}
	switch {
	case err != nil:
		return nil, unwrap(err)
	case isLink(fi.Mode()):
		return nil, ErrLink
	case !fi.IsDir():
		return nil, syscall.ENOTDIR
	}
	sub, err := r.OpenRoot(name)
	if err != nil {
		return nil, unwrap(err)
	}
	if now, err := sub.Stat("."); err != nil || !os.SameFile(fi, now) {
		sub.Close()
		return nil, ErrLink
	}
	return sub, nil
}

// unwrap returns the cause of a *fs.PathError, which names a path inside
// a root.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// TooLargeError is the cause of a refusal of a file over its cap.
type TooLargeError struct{ Size, Max int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("it holds %d bytes, more than the %d this file may have", e.Size, e.Max)
}

// ReadFile reads the file name of the folder, which must be a regular file
// (not a link) of at most max bytes: anything else is refused before it is
// read (a *fs.PathError whose Err is ErrLink, a *regularfile.NotRegularError
// or a *TooLargeError). A folder that does not exist is fs.ErrNotExist.
func (f *Folder) ReadFile(name string, max int64) ([]byte, error) {
	r, err := f.rootFor(name, false)
	if err != nil {
		return nil, err
	}
	return read(r, name, f.Name(name), max)
}

// ReadFileAt reads the file at path as Folder.ReadFile does: a regular
// file, not a link, of at most max bytes.
func ReadFileAt(path string, max int64) ([]byte, error) {
	r, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return read(r, filepath.Base(path), path, max)
}

// Open opens the file name of the folder for reading, as ReadFile checks
// it, for a file too large to hold in memory whole: what is read from it
// ends at max bytes (a file grown past them since reads cut short).
func (f *Folder) Open(name string, max int64) (io.ReadCloser, error) {
	r, err := f.rootFor(name, false)
	if err != nil {
		return nil, err
	}
	file, err := openChecked(r, name, f.Name(name), max)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(file, max), file}, nil
}

func read(r *os.Root, name, shown string, max int64) ([]byte, error) {
	refuse := func(err error) error { return &fs.PathError{Op: "open", Path: shown, Err: err} }
	file, err := openChecked(r, name, shown, max)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, max+1))
	if err != nil {
		return nil, refuse(err)
	}
	if int64(len(data)) > max {
		return nil, refuse(&TooLargeError{Size: int64(len(data)), Max: max})
	}
	return data, nil
}

// openChecked opens name in r for reading: a regular file, not a link, of
// at most max bytes when it was looked at (see ReadFile).
func openChecked(r *os.Root, name, shown string, max int64) (*os.File, error) {
	refuse := func(err error) error { return &fs.PathError{Op: "open", Path: shown, Err: err} }
	fi, err := r.Lstat(name)
	switch {
	case err != nil:
		return nil, refuse(unwrap(err))
	case isLink(fi.Mode()):
		return nil, refuse(ErrLink)
	case !fi.Mode().IsRegular():
		return nil, refuse(&regularfile.NotRegularError{Kind: regularfile.Kind(fi.Mode())})
	case fi.Size() > max:
		return nil, refuse(&TooLargeError{Size: fi.Size(), Max: max})
	}
	file, err := regularfile.OpenIn(r, name) // never waits on a FIFO swapped in
	if err != nil {
		return nil, refuse(unwrap(err))
	}
	if now, err := file.Stat(); err != nil || !os.SameFile(fi, now) {
		file.Close()
		return nil, refuse(ErrLink) // swapped since it was looked at
	}
	return file, nil
}

// rootFor checks that name is a bare file name and returns the folder to
// find it in, made first if create is set.
func (f *Folder) rootFor(name string, create bool) (*os.Root, error) {
	if err := bare(name); err != nil {
		return nil, err
	}
	return f.open(create)
}

// WriteFile writes data to the file name of the folder atomically (see
// package atomicfile), making the folder first if needed. With replace
// false, a file already there is kept and the error wraps fs.ErrExist.
func (f *Folder) WriteFile(name string, data []byte, perm fs.FileMode, replace bool) error {
	r, err := f.rootFor(name, true)
	if err != nil {
		return err
	}
	return atomicfile.WriteFileIn(r, name, f.Name(name), data, perm, replace)
}

// CreateFile starts writing the file name of the folder atomically, as
// WriteFile does, for what is too large to hold in memory whole: nothing
// is at name until the file's Commit (see package atomicfile).
func (f *Folder) CreateFile(name string, perm fs.FileMode) (*atomicfile.File, error) {
	r, err := f.rootFor(name, true)
	if err != nil {
		return nil, err
	}
	return atomicfile.CreateIn(r, name, f.Name(name), perm)
}

// Create makes the new file name in the folder (which it makes first if
// needed), for writing; a file already there is an error.
func (f *Folder) Create(name string, perm fs.FileMode) (*os.File, error) {
	r, err := f.rootFor(name, true)
	if err != nil {
		return nil, err
	}
	return r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}

// Entries lists the folder (nothing if it does not exist).
func (f *Folder) Entries() ([]fs.DirEntry, error) {
	r, err := f.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// Lstat describes the file name of the folder, without following a link.
func (f *Folder) Lstat(name string) (fs.FileInfo, error) {
	r, err := f.rootFor(name, false)
	if err != nil {
		return nil, err
	}
	return r.Lstat(name)
}

// Remove removes the file name from the folder: a link is removed, never
// what it points to.
func (f *Folder) Remove(name string) error {
	r, err := f.rootFor(name, false)
	if err != nil {
		return err
	}
	return r.Remove(name)
}

// Close lets the folder go; it is opened again if used.
func (f *Folder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root == nil {
		return nil
	}
	err := f.root.Close()
	f.root = nil
	return err
}

// bare refuses a name that is not a file name alone: a Folder's files are
// named by the program, never by a path.
func bare(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || filepath.Base(name) != name {
		return fmt.Errorf("%q is not a file name", name)
	}
	return nil
}

// UserDataDir is the folder for a user's lasting application data:
// $XDG_DATA_HOME, else ~/.local/share (Linux and other Unix systems);
// ~/Library/Application Support (macOS); %AppData% (Windows).
func UserDataDir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "plan9":
		return os.UserConfigDir()
	}
	if d := getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("$HOME is not set")
	}
	return filepath.Join(home, ".local", "share"), nil
}
