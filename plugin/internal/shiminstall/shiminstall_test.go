package shiminstall

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/scripts"
)

func TestShimNamesTheBinary(t *testing.T) {
	got, err := Shim(scripts.Shim, `/opt/a "b"/dropbox-post`)
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
	_, err := Install(dir, Options{Binary: "/bin/dropbox-post", Shim: scripts.Shim})
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
