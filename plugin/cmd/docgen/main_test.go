package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/reference/ from the code")

// referenceDir is the committed reference, from this package's folder.
var referenceDir = filepath.Join("..", "..", "..", "docs", "reference")

// TestReference checks that the committed command reference is what the
// code generates: a command, flag or help text changed without 'make docs'
// fails here. go test ./plugin/cmd/docgen -update rewrites it.
func TestReference(t *testing.T) {
	if *update {
		if err := writeMarkdown(tree(), referenceDir); err != nil {
			t.Fatal(err)
		}
	}
	want := t.TempDir()
	if err := writeMarkdown(tree(), want); err != nil {
		t.Fatal(err)
	}
	wantFiles, gotFiles := pages(t, want), pages(t, referenceDir)
	for _, name := range wantFiles {
		w, _ := os.ReadFile(filepath.Join(want, name))
		g, err := os.ReadFile(filepath.Join(referenceDir, name))
		if err != nil {
			t.Errorf("docs/reference/%s is missing: run make docs", name)
		} else if string(g) != string(w) {
			t.Errorf("docs/reference/%s does not match the code: run make docs", name)
		}
	}
	for _, name := range gotFiles {
		if !slices.Contains(wantFiles, name) {
			t.Errorf("docs/reference/%s documents a command the code does not have: run make docs", name)
		}
	}
}

// pages lists the generated pages in dir.
func pages(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "dropbox-post*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// TestManPages checks that every command gets a man page, with its help
// text as it is (a <name> in it is not taken for markup).
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "0")
	if err := writeMan(tree(), dir, "v1.2.0"); err != nil {
		t.Fatal(err)
	}
	push, err := os.ReadFile(filepath.Join(dir, "dropbox-post-push.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "DROPBOX-POST-PUSH" "1" "Jan 1970" "dropbox-post v1.2.0"`, `DEST/<name>`, `\fB--encrypted-key\fP`} {
		if !strings.Contains(string(push), want) {
			t.Errorf("dropbox-post-push.1 lacks %q", want)
		}
	}
	n, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if md := pages(t, referenceDir); len(n) != len(md) {
		t.Errorf("%d man pages for %d reference pages", len(n), len(md))
	}
}
