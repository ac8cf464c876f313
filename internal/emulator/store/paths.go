package store

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Dropbox paths are case-insensitive and case-preserving: a node is found
// by its Lower form and shown with the casing it was created with.
// The rules for names are package store's (StorableName, Ignored), the
// emulator's own, which dpath's tests compare with the client's; the
// server side adds only what a client cannot send on purpose.

// NameRules are the emulator's modes for names and paths, where the real
// Dropbox is stricter than a kind server, or where nobody could confirm
// what it does. The zero value is StorableName's rules, without
// normalisation, with path_display as stored.
type NameRules struct {
	// NFC stores every name written (files/upload, upload_session/finish
	// and finish_batch_v2 commits, create_folder_v2) in Unicode NFC, and
	// answers with that form; lookups (get_metadata, list_folder,
	// download, delete_v2) are not normalised, so a path in another
	// normalisation than the stored one is not_found. maestral's sync.py:
	// "Dropbox always normalizes to composed (NFC) on upload, even in the
	// display_path"; its live test test_unicode_decomposed sees an NFD
	// name come back NFC; samschott/maestral PR #678: "Dropbox APIs will
	// raise 'not found' errors when querying for a path with the wrong
	// unicode normalisation."
	NFC bool
	// RefuseNonBMP refuses names holding a character beyond the Basic
	// Multilingual Plane (most emoji) with malformed_path.
	// dropbox/dropbox-sdk-java#42 (2016, Dropbox staff: "Dropbox doesn't
	// allow file names/paths with non-BMP unicode characters in general"),
	// rclone#6199 (2022: a batch commit of "😊.txt" failed),
	// apache/opendal#3381 (2023). It may have been relaxed since
	// (xiph/flac#825, 2026); make conformance asks.
	RefuseNonBMP bool
	// Display is how path_display shows the folders above an entry (see
	// Display*); the entry's own name (its last component, and "name") is
	// always the stored one. files.stone, Metadata.path_display: "In rare
	// instances the casing will not correctly match the user's
	// filesystem… at least the last path component will have the correct
	// casing"; rclone's Dropbox backend ("Only the last element is
	// reliably cased in PathDisplay") and maestral's sync.py correct_case
	// ("In practice, casing of parent directories is often incorrect")
	// build paths from each entry's last component for that reason.
	Display string
}

// Values of NameRules.Display.
const (
	// DisplayStored shows the folders as they were created (the default).
	DisplayStored = ""
	// DisplayRequest shows them as the request that wrote the entry spelt
	// them: a file uploaded to /EXP1/a.csv into the folder /Exp1 is
	// /EXP1/a.csv, while the folder itself is still /Exp1.
	DisplayRequest = "request"
	// DisplayLower shows them lower-cased.
	DisplayLower = "lower"
	// DisplayRandom changes their case at random in every answer.
	DisplayRandom = "random"
)

// SetNameRules sets the modes for names. Call it before serving.
func (s *Store) SetNameRules(r NameRules) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = r
}

// Written returns the path a write at p stores: NFC in NFC, else p as it
// is.
func (r NameRules) Written(p string) string {
	if r.NFC {
		return norm.NFC.String(p)
	}
	return p
}

// written is Written by the store's rules.
func (s *Store) written(p string) string { return s.rules.Written(p) }

// splitPath checks a path of the form "/a/b" (or "" for the root) as the
// server does, without normalising anything, and returns its components.
// The problem, if any, is a WriteError or LookupError tag: malformed_path.
// Names Dropbox ignores pass here: writing them is refused with
// disallowed_name, looking them up finds nothing.
func (s *Store) splitPath(p string) ([]string, string) {
	if p == "" {
		return nil, ""
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return nil, tagMalformedPath
	}
	parts := strings.Split(p[1:], "/")
	for _, name := range parts {
		if !validName(name) || s.rules.RefuseNonBMP && NonBMPAt(name) >= 0 {
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
