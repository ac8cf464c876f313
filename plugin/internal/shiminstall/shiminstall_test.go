package shiminstall

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

func TestShimNamesTheBinary(t *testing.T) {
	got, err := Shim(Source, `/opt/a "b"/dropbox-post`)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`INSTALLED_BIN = "/opt/a \"b\"/dropbox-post"`)) {
		t.Errorf("the binary's path is not in the shim as a Python string")
	}
	if _, err := Shim([]byte("print('not ours')"), "/x"); err == nil {
		t.Error("a shim without its marker was accepted")
	}
}

// A .orig that holds another file than the one to keep aside stops the
// install: nothing of librec-auto's is lost.
func TestInstallNeverOverwritesAKeptFile(t *testing.T) {
	dir := t.TempDir()
	orig, kept := []byte("# librec-auto, newer\n"), []byte("# librec-auto, older\n")
	os.WriteFile(filepath.Join(dir, "dropbox_post.py"), orig, 0o644)
	os.WriteFile(filepath.Join(dir, "dropbox_post.py.orig"), kept, 0o644)
	_, err := Install(dir, Options{Binary: "/bin/dropbox-post", Shim: Source})
	if exit.CodeOf(err) != exit.Local {
		t.Fatalf("err = %v, want exit code 10", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dropbox-post.py")); err == nil {
		t.Error("dropbox-post.py was written before the conflict was found")
	}
	for name, want := range map[string][]byte{"dropbox_post.py": orig, "dropbox_post.py.orig": kept} {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, want) {
			t.Errorf("%s changed: %q", name, got)
		}
	}
}

// scripts/dropbox-post.py is the shim for configs whose src names the
// repository's scripts folder (it then finds the repository's bin/): it
// must be the shim the binary carries.
func TestScriptsCopyIsTheShim(t *testing.T) {
	copied, err := os.ReadFile(filepath.Join("..", "..", "..", "scripts", "dropbox-post.py"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(copied, Source) {
		t.Error("scripts/dropbox-post.py differs from plugin/internal/shiminstall/dropbox-post.py: edit the latter, then copy it over the former")
	}
}
