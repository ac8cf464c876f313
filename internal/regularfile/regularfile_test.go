//go:build unix

package regularfile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpen: a regular file (also through a symlink) opens; a directory, a
// FIFO without a writer (a plain open would block for ever: this test would
// hang), a device and a socket are refused, saying what they are.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "pw.txt")
	if err := os.WriteFile(reg, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{reg, link} {
		f, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != "secret\n" {
			t.Errorf("%s: read %q, %v", p, b, err)
		}
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fifoLink := filepath.Join(dir, "fifo-link")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		dir:         "it is a directory, not a regular file",
		fifo:        "it is a named pipe (FIFO), not a regular file",
		fifoLink:    "it is a named pipe (FIFO), not a regular file",
		"/dev/null": "it is a device, not a regular file",
		sock:        "it is a socket, not a regular file",
	} {
		f, err := Open(path)
		if err == nil {
			f.Close()
			t.Errorf("%s: opened", path)
			continue
		}
		var pe *fs.PathError
		var nr *NotRegularError
		if !errors.As(err, &pe) || pe.Path != path || !errors.As(err, &nr) || nr.Error() != want {
			t.Errorf("%s: err = %v, want a PathError saying %q", path, err, want)
		}
		if nr != nil && nr.IsDir() != (path == dir) {
			t.Errorf("%s: IsDir = %v", path, nr.IsDir())
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

// TestOpenScanned: a regular file in a root opens and reads; a FIFO, a
// folder and a socket are refused at once, without waiting.
func TestOpenScanned(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.csv"), []byte("1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, err := OpenScanned(root, "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil || string(b) != "1,2\n" {
		t.Errorf("r.csv: read %q, %v", b, err)
	}
	for _, name := range []string{"fifo", "folder", "sock"} {
		if f, err := OpenScanned(root, name); err == nil {
			f.Close()
			t.Errorf("%s: opened", name)
		}
	}
}
