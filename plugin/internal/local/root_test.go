//go:build unix

package local

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenStaysInTheScannedFolder: after the scan, a middle folder swapped
// for a link to outside, the file itself swapped for such a link, and a
// FIFO swapped in (which a plain open would wait on for ever) are all
// refused by File.Open, and by an Opener; the real file, put back, opens.
func TestOpenStaysInTheScannedFolder(t *testing.T) {
	for _, way := range []string{"File.Open", "Opener"} {
		t.Run(way, func(t *testing.T) { openStaysInTheScannedFolder(t, way) })
	}
}

func openStaysInTheScannedFolder(t *testing.T, way string) {
	base := t.TempDir()
	root := filepath.Join(base, "study")
	write(t, root, "a/b/r.csv", []byte("inside"))
	write(t, base, "outside/b/r.csv", []byte("SECRET"))
	tree, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.Files) != 1 {
		t.Fatalf("files %v", rels(tree.Files))
	}
	f := tree.Files[0]
	read := func() (string, error) {
		open := f.Open
		if way == "Opener" {
			var o Opener
			defer o.Close()
			open = func() (*os.File, error) { return o.Open(f) }
		}
		r, err := open()
		if err != nil {
			return "", err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		return string(b), err
	}
	a := filepath.Join(root, "a")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Rename(a, a+".real"))
	must(os.Symlink(filepath.Join(base, "outside"), a))
	if got, err := read(); err == nil {
		t.Errorf("a middle folder swapped for a link to outside: read %q", got)
	}
	if _, err := f.Stat(); err == nil {
		t.Error("Stat followed the link out")
	}
	must(os.Remove(a))
	must(os.Rename(a+".real", a))

	file := filepath.Join(a, "b", "r.csv")
	must(os.Rename(file, file+".real"))
	must(os.Symlink(filepath.Join(base, "outside", "b", "r.csv"), file))
	if got, err := read(); err == nil {
		t.Errorf("the file swapped for a link to outside: read %q", got)
	}
	must(os.Remove(file))
	must(syscall.Mkfifo(file, 0o600))
	if got, err := read(); err == nil {
		t.Errorf("a FIFO swapped in: read %q", got)
	}
	must(os.Remove(file))
	must(os.Rename(file+".real", file))
	if got, err := read(); err != nil || got != "inside" {
		t.Errorf("the real file: %q, %v", got, err)
	}
}
