package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExtraFiles checks that an archive carries the README, the LICENSE,
// the CHANGELOG, the docs (the generated reference included), the man pages
// and the shim.
func TestExtraFiles(t *testing.T) {
	man := filepath.Join(t.TempDir(), "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(man, "dropbox-post.1"), []byte(".TH x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	fs, err := extraFiles(man)
	if err != nil {
		t.Fatal(err)
	}
	packed := map[string]bool{}
	for _, f := range fs {
		packed[f.name] = true
	}
	for _, want := range []string{"README.md", "LICENSE", "CHANGELOG.md", "docs/keyfile-format.md",
		"docs/reference/dropbox-post.md", "docs/reference/dropbox-post_push.md", "man/man1/dropbox-post.1", "dropbox-post.py"} {
		if !packed[want] {
			t.Errorf("the archives would not hold %s", want)
		}
	}
}
