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

// clientStricter are the names of comparedNames that the client refuses
// although the emulator (as Dropbox, by the evidence in its names.go)
// stores them, and why.
var clientStricter = map[string]string{
	"...": "trailing dot", "name.": "trailing dot", "x.": "trailing dot",
	"a\tb": "control character", "tab\t": "control character", "Icon\r": "control character", "icon\r": "control character",
	"name\u00a0": "trailing white space", "name\u3000": "trailing white space",
}

func TestNamesAgreeWithTheEmulator(t *testing.T) {
	for _, name := range comparedNames {
		stores, accepts := store.StorableName(name), CheckName(name) == nil
		why, stricter := clientStricter[name]
		switch {
		case accepts && !stores:
			t.Errorf("%q: the client accepts it, the emulator (as Dropbox) refuses it", name)
		case stricter && (accepts || !stores):
			t.Errorf("%q: listed as refused by the client alone (%s), but the client accepts it: %v, the emulator stores it: %v", name, why, accepts, stores)
		case !stricter && accepts != stores:
			t.Errorf("%q: the emulator stores it: %v; CheckName accepts it: %v", name, stores, accepts)
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
