package configschema

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// exampleStudy is the repository's example study.
const exampleStudy = "../studies/movielens-demo"

// copyStudy copies the example study, as committed, to a temporary
// directory, adds the key file that make demo writes when withKey is set, and
// returns the copy's path.
func copyStudy(t *testing.T, withKey bool) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "movielens-demo")
	err := filepath.WalkDir(exampleStudy, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(exampleStudy, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if filepath.Ext(p) == ".enc" {
			return nil // a key make demo wrote; not part of the study as committed
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if withKey {
		if err := os.WriteFile(filepath.Join(dst, "keys", "dropbox.enc"), []byte("gAAAAAB-test"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func TestExampleStudy(t *testing.T) {
	study := copyStudy(t, true)
	c, err := Load(StudyConfig(study, "config.xml"))
	if err != nil {
		t.Fatal(err)
	}
	els, warns, err := c.Resolve(study, ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings:\n%s", list(warns))
	}
	want := []string{
		`element 1 (line 53): file "post/ndcg-by-item-reg.png" → "/movielens-demo/ndcg-by-item-reg.png"`,
		`element 2 (line 64): folder "exp00000" → "/movielens-demo/exp00000"`,
	}
	if len(els) != len(want) {
		t.Fatalf("%d elements, want %d", len(els), len(want))
	}
	real, _ := filepath.EvalSymlinks(study)
	for i, e := range els {
		if e.String() != want[i] {
			t.Errorf("element %d = %q, want %q", i+1, e, want[i])
		}
		if e.Password != PasswordFromFlag || e.Key != filepath.Join(real, "keys", "dropbox.enc") || e.Share {
			t.Errorf("element %d: password %v, key %q, share %v", i+1, e.Password, e.Key, e.Share)
		}
	}
	if els[1].Local != filepath.Join(real, "exp00000") {
		t.Errorf("element 2 Local = %q", els[1].Local)
	}
}

// TestExampleStudyWithoutKey is the state of a fresh clone: the key is
// written by make demo, and the config says where it will be.
func TestExampleStudyWithoutKey(t *testing.T) {
	study := copyStudy(t, false)
	c, err := Load(StudyConfig(study, "config.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Resolve(study, ResolveOptions{RequireKey: true})
	match(t, "problems", problemsOf(t, err), []want{
		{56, "encrypted_key \"keys/dropbox.enc\": "},
		{67, "encrypted_key \"keys/dropbox.enc\": "},
	})
}
