package shiminstall

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
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

// librec-auto upgraded after the install puts its own (newer) file back in
// place of the shim, and NAME.orig still holds the older one. Installing
// again works: the newer file takes the older one's place aside, and an
// uninstall puts the newer one back, leaving no .orig.
func TestInstallAfterLibrecAutoUpgrade(t *testing.T) {
	dir := t.TempDir()
	file, orig := filepath.Join(dir, "dropbox_post.py"), filepath.Join(dir, "dropbox_post.py.orig")
	older, newer := []byte("# librec-auto 1.0\n"), []byte("# librec-auto 1.1\n")
	o := Options{Binary: "/bin/dropbox-post", Shim: Source}
	os.WriteFile(file, older, 0o644)
	if _, err := Install(dir, o); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, newer, 0o644) // the upgrade
	acts, err := Install(dir, o)
	if err != nil {
		t.Fatalf("install after the upgrade: %v", err)
	}
	if got, _ := os.ReadFile(orig); !bytes.Equal(got, newer) {
		t.Errorf(".orig holds %q, want the newer file", got)
	}
	if got, _ := os.ReadFile(file); !ours(got) {
		t.Errorf("%s is not the shim: %q", file, got)
	}
	if !hasAction(acts, "kept aside", orig) {
		t.Errorf("actions: %+v", acts)
	}
	if _, err := Uninstall(dir, o); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, newer) {
		t.Errorf("after uninstall %s holds %q, want the newer file", file, got)
	}
	if _, err := os.Lstat(orig); err == nil {
		t.Error("uninstall left the .orig")
	}
}

// An uninstall after librec-auto was upgraded (its newer file in place of
// the shim) leaves that file alone and removes the older copy kept aside,
// which it must not put back.
func TestUninstallAfterLibrecAutoUpgrade(t *testing.T) {
	dir := t.TempDir()
	file, orig := filepath.Join(dir, "dropbox_post.py"), filepath.Join(dir, "dropbox_post.py.orig")
	older, newer := []byte("# librec-auto 1.0\n"), []byte("# librec-auto 1.1\n")
	o := Options{Binary: "/bin/dropbox-post", Shim: Source}
	os.WriteFile(file, older, 0o644)
	if _, err := Install(dir, o); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, newer, 0o644) // the upgrade
	acts, err := Uninstall(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, newer) {
		t.Errorf("%s holds %q, want the newer file left alone", file, got)
	}
	if _, err := os.Lstat(orig); err == nil {
		t.Error("the older copy is still kept aside")
	}
	if !hasAction(acts, "removed", orig) {
		t.Errorf("actions: %+v", acts)
	}
	if _, err := os.Lstat(filepath.Join(dir, "dropbox-post.py")); err == nil {
		t.Error("the shim under its other name is still there")
	}
}

func hasAction(acts []Action, what, path string) bool {
	for _, a := range acts {
		if a.What == what && a.Path == path {
			return true
		}
	}
	return false
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
