// Package regularfile opens the files that must be regular files: password
// files, key files and study configs. Anything else (a directory, a named
// pipe, a device, a socket) is refused at once, and opening never blocks:
// a FIFO without a writer, which a plain open would wait on for ever, is
// opened non-blocking, recognised and closed.
package regularfile

import (
	"io/fs"
	"os"
)

// NotRegularError is the cause, inside an *fs.PathError, of a refusal.
type NotRegularError struct {
	Kind string // "a directory", "a named pipe (FIFO)", "a device", "a socket" or "not a regular file"
}

// Error says what the path is instead.
func (e *NotRegularError) Error() string {
	if e.Kind == notRegular {
		return "it is not a regular file"
	}
	return "it is " + e.Kind + ", not a regular file"
}

// IsDir reports whether the path was a directory.
func (e *NotRegularError) IsDir() bool { return e.Kind == directory }

const (
	directory  = "a directory"
	notRegular = "not a regular file"
)

// Kind describes a file mode for people: "a regular file", "a directory",
// "a named pipe (FIFO)", "a socket", "a device" or "not a regular file".
func Kind(m fs.FileMode) string {
	if m.IsRegular() {
		return "a regular file"
	}
	return kind(m)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return directory
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return notRegular
}

// OpenIn is Open for name inside root (os.Root's rules: no symbolic link
// or ".." leads out of it).
func OpenIn(root *os.Root, name string) (*os.File, error) {
	return open(name, root.Stat, root.OpenFile)
}

// OpenScanned is OpenIn for a file a scan has just found to be a regular
// file, in a tree read many files at a time: where opening cannot wait
// (O_NONBLOCK, on Unix), it is not looked at again before it is opened, a
// look-up per file saved; the open file is checked all the same, so that
// anything swapped in since is refused, without waiting (a socket swapped
// in fails to open). Elsewhere it is OpenIn.
func OpenScanned(root *os.Root, name string) (*os.File, error) {
	if openFlags == 0 {
		return OpenIn(root, name)
	}
	return open(name, nil, root.OpenFile)
}

// Open opens the regular file at path (following symbolic links) for
// reading. A path that is not a regular file gives an *fs.PathError whose
// Err is a *NotRegularError, before anything is read and without waiting.
// The file's mode is checked before opening (so that a device is not even
// opened) and on the open file (so that nothing swapped in between counts).
func Open(path string) (*os.File, error) {
	return open(path, os.Stat, os.OpenFile)
}

// open is Open with the stat and open of a file system: the process's, or
// an os.Root's (stat nil: the file is not looked at before it is opened).
func open(name string, stat func(string) (fs.FileInfo, error),
	openFile func(string, int, fs.FileMode) (*os.File, error)) (*os.File, error) {
	refuse := func(m fs.FileMode) error {
		return &fs.PathError{Op: "open", Path: name, Err: &NotRegularError{Kind: kind(m)}}
	}
	if stat != nil {
		if fi, err := stat(name); err == nil && !fi.Mode().IsRegular() {
			return nil, refuse(fi.Mode())
		}
	}
	f, err := openFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, refuse(fi.Mode())
	}
	return f, nil
}
