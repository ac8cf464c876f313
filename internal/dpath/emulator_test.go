package dpath

import (
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// The emulator applies its own rules for names and paths (package store),
// written apart from this package: on every name here the two must agree,
// so that a mistake in one shows up against the other instead of being
// shared by the fake Dropbox and the client it tests.
var comparedNames = []string{
	"ndcg.csv", "exp00000", ".hidden", "a b", "résumé ✓", "colon:star*", "ÉCOLE", "Straße",
	strings.Repeat("é", 255), strings.Repeat("é", 256), strings.Repeat("a", 300),
	"", ".", "..", "...", "a/b", `a\b`, "a\tb", "a\x7f", "a\x00b", "bad\xc3", "\xff",
	"name ", "name.", "name\u00a0", "name\u3000", "tab\t", "x.", " lead", "~x",
	"desktop.ini", "Desktop.INI", "thumbs.db", "Thumbs.db", ".DS_Store", ".ds_store", "Icon\r", "icon\r", "Icon",
	".dropbox", ".Dropbox.attr", ".dropbox.cache", "~$report.docx", "~$", ".~lock.x#", "~tmp.TMP", "~1.tmp", "~x.tmpl", "a~$b",
}

func TestNamesAgreeWithTheEmulator(t *testing.T) {
	for _, name := range comparedNames {
		if got, want := store.StorableName(name), CheckName(name) == nil; got != want {
			t.Errorf("%q: the emulator stores it: %v; CheckName accepts it: %v", name, got, want)
		}
		if got, want := store.Ignored(name), Ignored(name); got != want {
			t.Errorf("%q: the emulator ignores it: %v; Ignored: %v", name, got, want)
		}
		if got, want := store.Lower(name), Lower(name); got != want {
			t.Errorf("%q: the emulator compares it as %q, Lower as %q", name, got, want)
		}
	}
}

func TestPathsAgreeWithTheEmulator(t *testing.T) {
	for _, p := range []string{"", "/a", "/a/b", "/A/Résumé/c.CSV", "/a/b/c/d"} {
		if got, want := store.Parent(p), Parent(p); got != want {
			t.Errorf("Parent(%q): the emulator says %q, dpath %q", p, got, want)
		}
		if got, want := store.Base(p), Base(p); got != want {
			t.Errorf("Base(%q): the emulator says %q, dpath %q", p, got, want)
		}
	}
}
