package dpath

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxNameLen is the longest name Dropbox stores, in UTF-16 code units
// (Dropbox staff in dropbox/dropbox-sdk-java#229: 255; Dropbox's help on
// file names: "most emojis, count as two characters because they're
// encoded as 4 bytes in UTF-16").
const MaxNameLen = 255

// CheckName returns an error when name, one component of a path, is a name
// that Dropbox cannot store, or may refuse: empty, "." or "..", longer
// than MaxNameLen UTF-16 units, not valid UTF-8, containing "/" or "\"
// (invalid on every platform), a control character (DEL is refused by the
// API; the others may be stored, but nobody could confirm it, and one
// refused in a batch commit could fail the batch), a character beyond the
// Basic Multilingual Plane (most emoji: refused by the API in
// dropbox/dropbox-sdk-java#42, rclone#6199 and apache/opendal#3381, once
// with a 400 that fails a whole call), or ending in a space (rclone's
// Dropbox backend: "names with trailing spaces… don't work"). A trailing
// dot is stored (rclone leaves it as it is) and passes. The error names the
// rule and the character, and suggests a rename.
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
	units := 0
	for _, r := range name {
		switch {
		case r == '/':
			return fmt.Errorf("name %q contains \"/\", which Dropbox cannot store in a name: rename it without it", name)
		case r == '\\':
			return fmt.Errorf("name %q contains \"\\\", which Dropbox cannot store in a name: rename it without it", name)
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("name %q contains the control character %U, which Dropbox cannot store: rename it without it", name, r)
		case r > 0xffff:
			return fmt.Errorf("name %q contains %U, a character beyond Unicode's Basic Multilingual Plane (an emoji?), which Dropbox's API has refused: rename it without it", name, r)
		}
		units += utf16.RuneLen(r)
	}
	if units > MaxNameLen {
		return fmt.Errorf("name %.40q… is %d characters long (in UTF-16 units, as Dropbox counts), more than the %d Dropbox allows: rename it to something shorter", name, units, MaxNameLen)
	}
	if strings.HasSuffix(name, " ") {
		return fmt.Errorf("name %q ends with a space, which Dropbox does not store: rename it without the trailing space", name)
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
