package store

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
)

// list_folder walks the store's change log: a listing is the log read in
// order from the start, keeping the entries under the listed folder, and a
// cursor is a position in that log. So pages are cheap (a binary search,
// then a scan), a folder always comes before what it contains, an entry
// changed during a listing shows up again later with its new state, and
// list_folder/continue after the last page returns what changed since.

// MaxListLimit is the largest page list_folder returns, and the default.
const MaxListLimit = 2000

// ListCursor is what a list_folder cursor encodes.
type ListCursor struct {
	Epoch          string `json:"e"`
	Root           string `json:"r"` // lower-cased path of the listed folder ("" = root)
	Recursive      bool   `json:"c,omitempty"`
	IncludeDeleted bool   `json:"d,omitempty"`
	Start          uint64 `json:"s"` // the change counter when the listing began
	Pos            uint64 `json:"p"` // changes up to here were reported
	Limit          int    `json:"l"`
}

func (lc ListCursor) encode() string {
	b, _ := json.Marshal(lc)
	return "AAE" + base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a list_folder cursor; false for one this emulator did
// not write.
func DecodeCursor(s string) (ListCursor, bool) {
	var lc ListCursor
	rest, ok := strings.CutPrefix(s, "AAE")
	if !ok {
		return lc, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || json.Unmarshal(b, &lc) != nil || lc.Limit < 1 || lc.Limit > MaxListLimit {
		return lc, false
	}
	return lc, true
}

// inScope reports whether n belongs to the listing.
func (lc *ListCursor) inScope(n *node) bool {
	if lc.Recursive {
		if lc.Root == "" {
			return n.lower != ""
		}
		return n.lower == lc.Root || strings.HasPrefix(n.lower, lc.Root+"/")
	}
	return n.lower != lc.Root && Parent(n.lower) == lc.Root
}

// listPage returns the next page of a listing and advances the cursor.
// Callers hold s.mu (read).
func (s *Store) listPage(lc *ListCursor) ([]any, bool) {
	entries := []any{}
	i := sort.Search(len(s.log), func(i int) bool { return s.log[i].seq > lc.Pos })
	for ; i < len(s.log); i++ {
		sl := s.log[i]
		if sl.stale() || !lc.inScope(sl.n) || (sl.n.deleted && sl.seq <= lc.Start && !lc.IncludeDeleted) {
			continue
		}
		if len(entries) == lc.Limit {
			return entries, true
		}
		entries = append(entries, sl.n.taggedMeta(s.shown(sl.n)))
		lc.Pos = sl.seq
	}
	lc.Pos = s.seq
	return entries, false
}

type listFolderResult struct {
	Entries []any  `json:"entries"`
	Cursor  string `json:"cursor"`
	HasMore bool   `json:"has_more"`
}

// page answers one list_folder or list_folder/continue call. Callers hold
// s.mu (read).
func (s *Store) page(lc ListCursor) listFolderResult {
	entries, more := s.listPage(&lc)
	return listFolderResult{Entries: entries, Cursor: lc.encode(), HasMore: more}
}

// List starts listing the folder at p, or returns a LookupError tag.
func (s *Store) List(p string, lc ListCursor) (listFolderResult, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, tag := s.lookup(p)
	if tag == "" && !n.folder {
		tag = tagNotFolder
	}
	if tag != "" {
		return listFolderResult{}, tag
	}
	lc.Epoch, lc.Root, lc.Start = s.epoch, n.lower, s.seq
	return s.page(lc), ""
}

// Resume continues a listing; it returns false when the cursor is not from
// this run (the client must start again).
func (s *Store) Resume(lc ListCursor) (listFolderResult, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if lc.Epoch != s.epoch || lc.Pos > s.seq {
		return listFolderResult{}, false
	}
	return s.page(lc), true
}

// Metadata returns the Metadata union of the entry at p, or a LookupError
// tag.
func (s *Store) Metadata(p string) (any, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, tag := s.lookup(p)
	switch {
	case tag != "":
		return nil, tag
	case n == s.root:
		return nil, tagMalformedPath // Dropbox has no metadata for the root
	}
	return n.taggedMeta(s.shown(n)), ""
}

// ResetCursors invalidates every list_folder cursor given so far.
func (s *Store) ResetCursors() {
	s.mu.Lock()
	s.epoch = newEpoch()
	s.mu.Unlock()
}
