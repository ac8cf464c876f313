package dpath

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest name, in characters, that Dropbox stores
// (Dropbox help, "files not syncing").
const MaxNameLen = 255

// CheckName returns an error when name, one component of a path, is a name
// that Dropbox cannot store or that its help pages say will not sync: empty,
// "." or "..", longer than MaxNameLen characters, not valid UTF-8,
// containing "/" or "\" (invalid on every platform), a control character
// (including DEL, which the API refuses), or ending in white space or a dot
// (refused or renamed by the API and by Windows clients). The error names the rule and the character,
// and suggests a rename.
//
// Characters that only Windows clients cannot sync (< > : " | ? *) are
// stored by Dropbox and are not refused here. Names that Dropbox ignores
// pass CheckName, but the API refuses them too: see Ignored.
func CheckName(name string) error {
	switch name {
	case "":
		return fmt.Errorf("a name cannot be empty")
	case ".", "..":
		return fmt.Errorf("%q is not a name Dropbox can store: use a real file or folder name", name)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("name %q is not valid UTF-8: Dropbox stores only UTF-8 names; rename it", name)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return fmt.Errorf("name %.40q… is %d characters long, more than the %d Dropbox allows: rename it to something shorter", name, n, MaxNameLen)
	}
	for _, r := range name {
		switch {
		case r == '/':
			return fmt.Errorf("name %q contains \"/\", which Dropbox cannot store in a name: rename it without it", name)
		case r == '\\':
			return fmt.Errorf("name %q contains \"\\\", which Dropbox cannot store in a name: rename it without it", name)
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("name %q contains the control character %U, which Dropbox cannot store: rename it without it", name, r)
		}
	}
	last, _ := utf8.DecodeLastRuneInString(name)
	switch {
	case unicode.IsSpace(last):
		return fmt.Errorf("name %q ends with a space, which Dropbox does not store reliably: rename it without the trailing space", name)
	case strings.HasSuffix(name, "."):
		return fmt.Errorf("name %q ends with a dot, which Dropbox does not store reliably: rename it without the trailing dot", name)
	}
	return nil
}

// ignoredNames are the system and Dropbox files that Dropbox never syncs
// (Dropbox help, "files not syncing"), lower-cased.
var ignoredNames = map[string]bool{
	"desktop.ini":   true,
	"thumbs.db":     true,
	".ds_store":     true,
	"icon\r":        true,
	".dropbox":      true,
	".dropbox.attr": true,
}

// Ignored reports whether Dropbox ignores files of this name and never syncs
// them: desktop.ini, thumbs.db, .ds_store, "Icon\r", .dropbox and
// .dropbox.attr, and the temporary files of office applications that its
// help lists (names starting with "~$" or ".~", or starting with "~" and
// ending in ".tmp"). The comparison is case-insensitive. The API refuses to
// store them (409 disallowed_name), so a folder upload skips them and says so.
func Ignored(name string) bool {
	l := strings.ToLower(name)
	if ignoredNames[l] {
		return true
	}
	return strings.HasPrefix(l, "~$") || strings.HasPrefix(l, ".~") ||
		(strings.HasPrefix(l, "~") && strings.HasSuffix(l, ".tmp"))
}
