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
	"name ", "name.", "smile \U0001F600", strings.Repeat("\U0001F600", 127) + "a", strings.Repeat("\U0001F600", 128), "name\u00a0", "name\u3000", "tab\t", "x.", " lead", "~x",
	"desktop.ini", "Desktop.INI", "thumbs.db", "Thumbs.db", ".DS_Store", ".ds_store", "Icon\r", "icon\r", "Icon",
	".dropbox", ".Dropbox.attr", ".dropbox.cache", "~$report.docx", "~$", ".~lock.x#", "~tmp.TMP", "~1.tmp", "~x.tmpl", "a~$b",
}

// clientStricter are the names of comparedNames that the client refuses
// although the emulator (as Dropbox, by the evidence in its names.go)
// stores them, and why.
var clientStricter = map[string]string{
	"a\tb": "control character", "tab\t": "control character", "Icon\r": "control character", "icon\r": "control character",
	"smile \U0001F600": "beyond the BMP", strings.Repeat("\U0001F600", 127) + "a": "beyond the BMP",
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

// keyedNames are names whose keys the client (Key) and the emulator (its
// NFC mode, then its lower-casing, both its own code) compute, by group:
// the names of a group are one name to Dropbox.
var keyedNames = [][]string{
	{"ndcg.csv", "NDCG.CSV", "Ndcg.Csv"},
	{"caf\u00e9.csv", "cafe\u0301.csv", "CAF\u00c9.csv", "CAFE\u0301.csv"}, // é, NFC and NFD
	{"\u00c5ngstr\u00f6m", "A\u030angstro\u0308m", "\u00e5ngstr\u00f6m"},
	{"\u03a3\u03a3\u03a3", "\u03c3\u03c3\u03c3"}, // ΣΣΣ is σσσ: no final sigma
	{"\u03c3\u03c3\u03c2"},                       // σσς is another name
	{"\u0130stanbul", "istanbul", "ISTANBUL"},    // İ lower-cases to i
	{"\u0131"},                     // ı is not i
	{"stra\u00dfe", "STRA\u00dfE"}, // ß stays ß
	{"strasse"},
	{"\U0001F600.txt"}, // an emoji
	{"\uac00\ub098", "\u1100\u1161\u1102\u1161"}, // 가나, composed and as jamo
	{"\ua64b"}, // ꙋ
}

// keyedApart are names that the client takes for one and the emulator, as
// Dropbox (Unicode 4.1's lower-casing), for two: the capitals whose lower
// case came later. The client's key is coarser, never finer.
var keyedApart = []string{"\ua64a", "\u1e9e"} // Ꙋ (with ꙋ), ẞ (with ß)

func TestKeysAgreeWithTheEmulator(t *testing.T) {
	nfc := store.NameRules{NFC: true}
	emuKey := func(name string) string { return store.Lower(nfc.Written(name)) }
	var all []string
	for gi, group := range keyedNames {
		for _, name := range group {
			all = append(all, name)
			if Key(name) != Key(group[0]) || emuKey(name) != emuKey(group[0]) {
				t.Errorf("%+q and %+q: keys %+q and %+q, the emulator's %+q and %+q: want one name", name, group[0], Key(name), Key(group[0]), emuKey(name), emuKey(group[0]))
			}
			for _, other := range keyedNames[gi+1:] {
				if Key(name) == Key(other[0]) || emuKey(name) == emuKey(other[0]) {
					t.Errorf("%+q and %+q taken for one name (keys %+q, %+q; the emulator's %+q, %+q)", name, other[0], Key(name), Key(other[0]), emuKey(name), emuKey(other[0]))
				}
			}
		}
	}
	all = append(all, keyedApart...)
	for _, a := range all {
		for _, b := range all {
			if emuKey(a) == emuKey(b) && Key(a) != Key(b) {
				t.Errorf("%+q and %+q are one name to the emulator, two to the client", a, b)
			}
		}
	}
	for _, a := range keyedApart {
		if emuKey(a) != a || Key(a) == a {
			t.Errorf("%+q: the emulator keeps it as it is (%+q), the client lower-cases it (%+q)", a, emuKey(a), Key(a))
		}
	}
}
