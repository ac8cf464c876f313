package store

import (
	"strings"
	"unicode/utf8"
)

// Dropbox paths are case-insensitive and case-preserving: a node is found
// by its Lower form and shown with the casing it was created with.
// The rules for names are package store's (StorableName, Ignored), the
// emulator's own, which dpath's tests compare with the client's; the
// server side adds only what a client cannot send on purpose.

// splitPath checks a path of the form "/a/b" (or "" for the root) as the
// server does, without normalising anything, and returns its components.
// The problem, if any, is a WriteError or LookupError tag: malformed_path.
// Names Dropbox ignores pass here: writing them is refused with
// disallowed_name, looking them up finds nothing.
func splitPath(p string) ([]string, string) {
	if p == "" {
		return nil, ""
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return nil, tagMalformedPath
	}
	parts := strings.Split(p[1:], "/")
	for _, name := range parts {
		if !validName(name) {
			return nil, tagMalformedPath
		}
	}
	return parts, ""
}

// validName reports whether Dropbox can store a file or folder called name
// (or ignores it).
func validName(name string) bool {
	if Ignored(name) {
		return true
	}
	// Invalid UTF-8 reaches the server as U+FFFD (encoding/json replaces
	// it, and lone surrogates); a name that really holds U+FFFD is refused
	// too.
	if strings.ContainsRune(name, utf8.RuneError) {
		return false
	}
	return StorableName(name)
}

// joinPath joins a parent path ("" for the root) and a name.
func joinPath(parent, name string) string { return parent + "/" + name }
