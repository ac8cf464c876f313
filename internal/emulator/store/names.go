package store

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The emulator's own rules for paths and names, written from what Dropbox
// does as a server, and kept apart from the client's package dpath: tests
// of dpath compare the two, so a mistake in one is not shared by the fake
// and the code it tests. The evidence for each rule is beside it; the
// rules that nobody could confirm either way are modes (NameRules).

// Lower returns the form Dropbox compares a path or name by (path_lower):
// each character lower-cased on its own, as Python 2.5's unicode.lower()
// does with Unicode 4.1's tables. maestral's utils/path.py (normalize):
// "Dropbox uses the Python 2.5 behavior for conversion to lower case…
// "Ꙋ".lower() -> "Ꙋ" instead of "ꙋ"; "ΣΣΣ".lower() -> "σσσ" instead of
// "σσς"" (samschott/maestral PR #409; #410 shows the harm of folding
// otherwise). So there is no final-sigma rule and no full folding (ß stays
// ß), and the capitals whose lower-case form came after Unicode 4.1
// (unfolded) stay as they are. Lower does not normalise: in NameRules.NFC
// the names it sees were made NFC when they were written.
func Lower(p string) string {
	ascii := true
	for i := 0; i < len(p); i++ {
		if p[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(p)
	}
	return strings.Map(func(r rune) rune {
		if unfolded(r) {
			return r
		}
		return unicode.ToLower(r)
	}, p)
}

// unfolded reports whether r is a capital whose lower-case mapping Unicode
// added after version 4.1, which Dropbox's lower-casing therefore leaves
// alone. The ranges come from the Unicode versions of the characters (and,
// for Cherokee, Palochka and a few Latin and Greek capitals, of their
// lower-case letters): Latin Extended-C and -D, Cyrillic Extended-B,
// Georgian Mtavruli, the archaic Greek letters, ẞ, and every cased script
// beyond the Basic Multilingual Plane but Deseret (Unicode 3.1).
func unfolded(r rune) bool {
	switch {
	case r < 0x0200:
		return false
	case r > 0xFFFF:
		return r < 0x10400 || r > 0x1044F
	}
	for _, rg := range unfoldedRanges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// unfoldedRanges are the BMP ranges of unfolded, in order.
var unfoldedRanges = [][2]rune{
	{0x023A, 0x023A}, {0x023E, 0x023E}, // Ⱥ Ⱦ: ⱥ ⱦ came in 5.0
	{0x0241, 0x0241},                   // Ɂ: ɂ came in 5.0
	{0x0243, 0x024E},                   // Latin Extended-B additions of 5.0
	{0x0370, 0x0377}, {0x037F, 0x037F}, // archaic Greek (5.1), Yot (7.0)
	{0x03CF, 0x03CF}, {0x03FD, 0x03FF}, // ϗ's capital (5.1); Ͻ Ͼ Ͽ: ͻ ͼ ͽ came in 5.0
	{0x04C0, 0x04C0},                   // Palochka: ӏ came in 5.0
	{0x04FA, 0x04FF}, {0x0510, 0x052F}, // Cyrillic of 5.0 and later
	{0x10C7, 0x10C7}, {0x10CD, 0x10CD}, // Georgian of 6.1
	{0x13A0, 0x13F5},                   // Cherokee: its small letters came in 8.0
	{0x1C90, 0x1CBF},                   // Georgian Mtavruli (11.0)
	{0x1E9E, 0x1E9E}, {0x1EFA, 0x1EFF}, // ẞ, and Middle Welsh letters (5.1)
	{0x2132, 0x2132}, {0x2183, 0x2183}, // Ⅎ Ↄ: ⅎ ↄ came in 5.0
	{0x2C2F, 0x2C2F}, // Glagolitic of 14.0
	{0x2C60, 0x2C7F}, // Latin Extended-C (5.0 and later)
	{0x2CEB, 0x2CF3}, // Coptic of 5.2 and later
	{0xA640, 0xA69F}, // Cyrillic Extended-B (5.1 and later)
	{0xA720, 0xA7FF}, // Latin Extended-D (5.1 and later)
}

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

// maxNameUnits is the longest name Dropbox stores, in UTF-16 code units:
// dropbox/dropbox-sdk-java#229, Dropbox staff: "The Dropbox API allows
// path components to be up to 255 characters long… longer than this, the
// call will fail with a path/malformed_path error"; and Dropbox's help
// (help.dropbox.com/organize/file-names): "Some characters, such as most
// emojis, count as two characters because they're encoded as 4 bytes in
// UTF-16".
const maxNameUnits = 255

// StorableName reports whether Dropbox stores a file or folder of this
// name (a name it ignores aside, see Ignored), by the rules of
// NameRules' zero value:
//   - not empty, "." or "..", and valid UTF-8;
//   - no "/", "\", NUL or DEL: rclone's Dropbox backend encodes these
//     (its default encoding Base|BackSlash|Del|RightSpace|InvalidUtf8; "Testing
//     revealed names with trailing spaces and the DEL character don't
//     work");
//   - not ending in a space (U+0020), for the same reason; a trailing dot,
//     which rclone leaves alone (and so Dropbox stores), and the other
//     control characters, are stored;
//   - at most 255 UTF-16 code units (maxNameUnits).
//
// Characters beyond the Basic Multilingual Plane (most emoji) are stored
// and count two units each; NameRules.NonBMP refuses them, as Dropbox did
// in the reports of dropbox/dropbox-sdk-java#42 (2016), rclone#6199
// (2022) and apache/opendal#3381 (2023).
func StorableName(name string) bool {
	if name == "" || name == "." || name == ".." || !utf8.ValidString(name) || strings.HasSuffix(name, " ") {
		return false
	}
	units := 0
	for _, r := range name {
		switch r {
		case '/', '\\', 0, 0x7f:
			return false
		}
		units += utf16.RuneLen(r)
	}
	return units <= maxNameUnits
}

// NonBMPAt returns the index, in characters, of the first character of p
// beyond the Basic Multilingual Plane, or -1 when there is none.
func NonBMPAt(p string) int {
	i := 0
	for _, r := range p {
		if r > 0xFFFF {
			return i
		}
		i++
	}
	return -1
}

// ignored are the names Dropbox refuses to store (disallowed_name),
// lower-cased: system files and its own. MasterSoft24/CloudCross#63
// (.dropbox, .dropbox.cache), samschott/maestral#39, iterate-ch/docs#107
// (citing Dropbox's help list: desktop.ini, thumbs.db, .ds_store, icon\r,
// .dropbox, .dropbox.attr and office temporary files).
var ignored = []string{"desktop.ini", "thumbs.db", ".ds_store", "icon\r", ".dropbox", ".dropbox.attr"}

// Ignored reports whether Dropbox refuses to store a file of this name: the
// names in ignored, in any case, and office applications' temporary files
// ("~$…", ".~…", "~….tmp").
func Ignored(name string) bool {
	l := strings.ToLower(name)
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
