package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The emulator's own rules for paths and names, written from what Dropbox
// does as a server, and kept apart from the client's package dpath: tests
// of dpath compare the two, so a mistake in one is not shared by the fake
// and the code it tests.
//
// Paths compare by their lower-cased form (path_lower): strings.ToLower,
// which agrees with Dropbox for ASCII and almost every other name.

// Lower returns the form Dropbox compares a path or name by.
func Lower(p string) string { return strings.ToLower(p) }

// Parent returns the folder part of a path "/a/b" ("/a"), or "" (the root)
// for "/a" and for "".
func Parent(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return ""
}

// Base returns the last name of a path "/a/b" ("b"), or "" for the root.
func Base(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// maxNameRunes is the longest name Dropbox stores, in characters.
const maxNameRunes = 255

// StorableName reports whether Dropbox stores a file or folder of this
// name: not empty, "." or "..", valid UTF-8, at most 255 characters, no
// slash, backslash or control character, and not ending in white space or
// a dot.
func StorableName(name string) bool {
	if name == "" || name == "." || name == ".." || !utf8.ValidString(name) ||
		utf8.RuneCountInString(name) > maxNameRunes {
		return false
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r == '/' || r == '\\' || r < ' ' || r == 0x7f }) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(name)
	return !unicode.IsSpace(last) && last != '.'
}

// ignored are the names Dropbox refuses to store (disallowed_name),
// lower-cased: system files and its own.
var ignored = []string{"desktop.ini", "thumbs.db", ".ds_store", "icon\r", ".dropbox", ".dropbox.attr"}

// Ignored reports whether Dropbox refuses to store a file of this name: the
// names in ignored, in any case, and office applications' temporary files
// ("~$…", ".~…", "~….tmp").
func Ignored(name string) bool {
	l := Lower(name)
	for _, n := range ignored {
		if l == n {
			return true
		}
	}
	switch {
	case strings.HasPrefix(l, "~$"), strings.HasPrefix(l, ".~"):
		return true
	case strings.HasPrefix(l, "~"):
		return strings.HasSuffix(l, ".tmp")
	}
	return false
}
