// Package dpath holds Dropbox's path rules in one place: how a user-given
// Dropbox path is normalised, which names Dropbox cannot store, which names
// its desktop client ignores, and how paths are joined and compared.
//
// Dropbox's API spells the root folder as "" and every other path as
// "/name/name…". Paths are case-insensitive and case-preserving, and
// Dropbox stores names in Unicode NFC: two paths name the same entry when
// their Keys are equal. Every path this package makes (Clean, Join) is NFC,
// so that what the client sends is what Dropbox stores and looks up.
//
// The transfer engine, the config validator and the emulator's client side
// all use this package, so a path that one of them accepts the others accept
// too.
package dpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Root is how the Dropbox API spells the root folder.
const Root = ""

// Clean normalises a user-given absolute Dropbox path. Doubled slashes are
// collapsed and a trailing slash is removed; the root ("/" or "") becomes "".
// It returns an error, a plain sentence meant to be wrapped by the caller,
// for a path holding a backslash (Dropbox paths use "/"; a "\" is not
// guessed to mean one, since a config that wrote it may mean something
// else), a relative path, a "." or ".." component, or a component that
// Dropbox cannot store (see CheckName).
//
// Clean(Clean(p)) == Clean(p) for every p that Clean accepts.
func Clean(p string) (string, error) {
	if p == "" {
		return Root, nil
	}
	if strings.Contains(p, `\`) {
		return "", fmt.Errorf(`%q contains a backslash: Dropbox paths separate folders with "/", not "\"; write it with "/"`, p)
	}
	if !strings.HasPrefix(p, "/") {
		fix := `start it with "/" (the root of the Dropbox, or of the app folder for an app-folder app)`
		if strings.HasPrefix(p, "id:") || strings.HasPrefix(p, "ns:") || strings.HasPrefix(p, "rev:") {
			fix = `id:, ns: and rev: paths are not supported here; give the folder's path, starting with "/"`
		}
		return "", fmt.Errorf("%q is a relative path: %s", p, fix)
	}
	var b strings.Builder
	b.Grow(len(p))
	for _, name := range strings.Split(p, "/") {
		switch name {
		case "":
			continue
		case ".", "..":
			return "", fmt.Errorf("%q has a %q component: Dropbox paths cannot go up or stay put; write the folder's full path without it", p, name)
		}
		if err := CheckName(name); err != nil {
			return "", fmt.Errorf("%q: %w", p, err)
		}
		b.WriteByte('/')
		b.WriteString(name)
	}
	return NFC(b.String()), nil
}

// Quote returns p, a Dropbox path, as messages show it: quoted like Go's
// %q (so that no character of it can act on a terminal or pass for
// another), the root as "/".
func Quote(p string) string {
	if p == "" {
		p = "/"
	}
	return strconv.Quote(p)
}

// Join returns dir (a cleaned Dropbox path, "" for the root) followed by rel,
// a relative path whose separator is "/" (filepath.ToSlash of a local relative
// path), in NFC: a local name written in NFD (as macOS writes them) is sent
// as Dropbox stores it. Empty and "." components of rel are dropped. Join
// does not check names: run CheckName on each local name, or Clean on the
// result, before sending it.
func Join(dir, rel string) string {
	var b strings.Builder
	b.Grow(len(dir) + 1 + len(rel)) // the string is made once, no larger: a push keeps one a file
	b.WriteString(dir)
	for _, name := range strings.Split(rel, "/") {
		if name == "" || name == "." {
			continue
		}
		b.WriteByte('/')
		b.WriteString(name)
	}
	return NFC(b.String())
}

// NFC returns p in Unicode NFC, the form Dropbox stores names in
// (maestral, a Dropbox client, relies on it: "Dropbox always normalizes to
// composed (NFC) on upload, even in the display_path"). Dropbox looks up a
// path in another form as not found (samschott/maestral PR #678), so every
// path sent is made NFC.
func NFC(p string) string {
	if ascii(p) {
		return p
	}
	return norm.NFC.String(p)
}

// Key returns the form by which Dropbox takes two paths (or names) for one:
// NFC, then lower-cased character by character. Every comparison of names
// in the client uses it: local names with each other (twins), and local
// names with Dropbox's, each side's key computed here from its own names,
// never Dropbox's path_lower.
//
// Dropbox lower-cases with Unicode 4.1's tables, as Python 2.5 did
// (maestral's utils/path.py; no final sigma, no full folding: ß stays ß).
// Key uses Go's tables, which are newer: they agree on every character
// that had a lower case in Unicode 4.1, and lower-case some capitals that
// Dropbox leaves as they are (Ꙋ, ẞ, Cherokee, and most scripts beyond the
// Basic Multilingual Plane). So two names with one Key may be two on
// Dropbox, never the other way round: the client refuses such local twins
// and reports such Dropbox entries, and never sends two files that Dropbox
// would take for one.
func Key(p string) string {
	if ascii(p) {
		return strings.ToLower(p)
	}
	return strings.ToLower(norm.NFC.String(p))
}

// ascii reports whether s is all ASCII (NFC and Key's quick case).
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Parent returns the folder that holds p, a cleaned path: Parent("/a/b") is
// "/a", and both Parent("/a") and Parent("") are "" (the root).
func Parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return Root
	}
	return p[:i]
}

// Base returns the last name of p, a cleaned path, or "" for the root.
func Base(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// Within reports whether p is dir or lies below it, comparing the paths as
// Dropbox does (case-insensitively). Both must be cleaned. Every path is
// within the root "".
func Within(p, dir string) bool {
	lp, ld := Key(p), Key(dir)
	return lp == ld || strings.HasPrefix(lp, ld+"/")
}
