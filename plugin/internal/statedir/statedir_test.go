package statedir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
)

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestWriteReadRemove(t *testing.T) {
	study := t.TempDir()
	f, moved, err := InStudy(study, Manifests, nil)
	if err != nil || moved != "" {
		t.Fatalf("InStudy: %q %v", moved, err)
	}
	if _, err := f.ReadFile("m.json", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading from a folder not made yet: %v, want not-exist", err)
	}
	if ents, err := f.Entries(); err != nil || len(ents) != 0 {
		t.Errorf("entries of a folder not made yet: %v %v", ents, err)
	}
	if _, err := os.Stat(filepath.Join(study, ".dropbox-post")); err == nil {
		t.Error("the folder was made before anything was written")
	}
	mustDo(t, f.WriteFile("m.json", []byte("{}"), 0o644, false))
	if err := f.WriteFile("m.json", []byte("{1}"), 0o644, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("writing over a file with replace false: %v", err)
	}
	if got, err := f.ReadFile("m.json", 2); err != nil || string(got) != "{}" {
		t.Errorf("read %q, %v", got, err)
	}
	if f.Name("m.json") != filepath.Join(study, ".dropbox-post", "manifests", "m.json") {
		t.Errorf("Name: %s", f.Name("m.json"))
	}
	for _, name := range []string{"../m.json", "a/m.json", "", ".", ".."} {
		if f.WriteFile(name, nil, 0o644, true) == nil {
			t.Errorf("%q was taken as a file name", name)
		}
	}
	mustDo(t, f.Remove("m.json"))
	if ents, _ := f.Entries(); len(ents) != 0 {
		t.Errorf("left: %v", ents)
	}
}

// ReadFile refuses, unread, anything but a regular file within its cap.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	f := At(dir, 0o700)
	outside := filepath.Join(t.TempDir(), "x.json")
	mustDo(t, os.WriteFile(outside, []byte("{}"), 0o644))
	mustDo(t, os.Symlink(outside, filepath.Join(dir, "link.json")))
	mustDo(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.json")))
	mustDo(t, os.WriteFile(filepath.Join(dir, "near.json"), []byte("{}"), 0o644))
	mustDo(t, os.Symlink("near.json", filepath.Join(dir, "inside.json")))
	mustDo(t, os.Mkdir(filepath.Join(dir, "dir.json"), 0o755))
	big, err := os.Create(filepath.Join(dir, "big.json"))
	mustDo(t, err)
	mustDo(t, big.Truncate(1<<40)) // sparse: no disk is used
	big.Close()

	var nr *regularfile.NotRegularError
	var tl *TooLargeError
	for _, c := range []struct {
		name string
		ok   func(error) bool
	}{
		{"link.json", func(err error) bool { return errors.Is(err, ErrLink) }},
		{"zero.json", func(err error) bool { return errors.Is(err, ErrLink) }},
		{"inside.json", func(err error) bool { return errors.Is(err, ErrLink) }},
		{"dir.json", func(err error) bool { return errors.As(err, &nr) && nr.IsDir() }},
		{"big.json", func(err error) bool { return errors.As(err, &tl) && tl.Size == 1<<40 }},
		{"none.json", func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
	} {
		data, err := f.ReadFile(c.name, 1<<20)
		if !c.ok(err) {
			t.Errorf("%s: read %d bytes, error %v", c.name, len(data), err)
		}
		if err != nil && !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: the error does not name the file: %v", c.name, err)
		}
	}
	if _, err := ReadFileAt(filepath.Join(dir, "zero.json"), 1<<20); !errors.Is(err, ErrLink) {
		t.Errorf("ReadFileAt of a link: %v", err)
	}
	// Removing a link removes the link, never what it points to.
	mustDo(t, f.Remove("link.json"))
	if _, err := os.Stat(outside); err != nil {
		t.Error("the file a link pointed to was removed")
	}
}

// A .dropbox-post, or a folder in it, that is a symbolic link is not used:
// the folder is the study's own in the user's data folder, and the
// warning says so. Nothing is written through the link.
func TestLinkedFolderNotUsed(t *testing.T) {
	for _, link := range []string{".dropbox-post", filepath.Join(".dropbox-post", Uploads)} {
		t.Run(link, func(t *testing.T) {
			top := t.TempDir()
			study, elsewhere, data := filepath.Join(top, "study"), filepath.Join(top, "elsewhere"), filepath.Join(top, "data")
			mustDo(t, os.MkdirAll(filepath.Dir(filepath.Join(study, link)), 0o755))
			mustDo(t, os.MkdirAll(filepath.Join(elsewhere, Uploads), 0o755))
			mustDo(t, os.Symlink(elsewhere, filepath.Join(study, link)))
			getenv := func(k string) string { return map[string]string{"XDG_DATA_HOME": data}[k] }
			f, moved, err := InStudy(study, Uploads, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(moved, "is a symbolic link") || !strings.Contains(moved, data) {
				t.Errorf("warning: %q", moved)
			}
			mustDo(t, f.WriteFile("s.json", []byte("{}"), 0o600, true))
			fb, _ := Fallback(study, getenv)
			if f.Name("s.json") != filepath.Join(fb, Uploads, "s.json") || !strings.HasPrefix(fb, filepath.Join(data, "dropbox-post", "studies", "study-")) {
				t.Errorf("written to %s; fallback %s", f.Name("s.json"), fb)
			}
			if left := tree(t, elsewhere); left != "uploads/" {
				t.Errorf("written through the link: %s", left)
			}
			// the folder of another study is another folder
			other, _ := Fallback(elsewhere, getenv)
			if other == fb {
				t.Error("two studies share a fallback folder")
			}
		})
	}
}

// A link swapped in after the folder was chosen is refused when the folder
// is opened: nothing is written through it.
func TestLinkSwappedIn(t *testing.T) {
	top := t.TempDir()
	study, elsewhere := filepath.Join(top, "study"), filepath.Join(top, "study", "elsewhere")
	mustDo(t, os.MkdirAll(elsewhere, 0o755))
	f, moved, err := InStudy(study, Logs, nil)
	if err != nil || moved != "" {
		t.Fatal(moved, err)
	}
	mustDo(t, os.Symlink(elsewhere, filepath.Join(study, ".dropbox-post"))) // inside the study: os.Root alone would follow it
	if _, err := f.Create("x.log", 0o600); !errors.Is(err, ErrLink) {
		t.Errorf("create through a swapped-in link: %v", err)
	}
	if left := tree(t, elsewhere); left != "" {
		t.Errorf("written through the link: %s", left)
	}
}

// A file where .dropbox-post should be is not a link: writing fails (as on
// a read-only disk), it is not moved.
func TestFileInPlace(t *testing.T) {
	study := t.TempDir()
	mustDo(t, os.WriteFile(filepath.Join(study, ".dropbox-post"), []byte("x"), 0o644))
	f, moved, err := InStudy(study, Manifests, nil)
	if err != nil || moved != "" {
		t.Fatal(moved, err)
	}
	err = f.WriteFile("m.json", nil, 0o644, false)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Err.Error() != "not a directory" {
		t.Errorf("writing under a file: %v", err)
	}
}

// tree lists the files and folders under dir, "/" after folders.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if p == dir || err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return strings.Join(out, " ")
}
