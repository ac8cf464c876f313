package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// list_folder walks the store's change log: a listing is the log read in
// order from the start, keeping the entries under the listed folder, and a
// cursor is a position in that log. So pages are cheap (a binary search,
// then a scan), a folder always comes before what it contains, an entry
// changed during a listing shows up again later with its new state, and
// list_folder/continue after the last page returns what changed since.

// maxListLimit is the largest page list_folder returns, and the default.
const maxListLimit = 2000

// listCursor is what a list_folder cursor encodes.
type listCursor struct {
	Epoch          string `json:"e"`
	Root           string `json:"r"` // lower-cased path of the listed folder ("" = root)
	Recursive      bool   `json:"c,omitempty"`
	IncludeDeleted bool   `json:"d,omitempty"`
	Start          uint64 `json:"s"` // the change counter when the listing began
	Pos            uint64 `json:"p"` // changes up to here were reported
	Limit          int    `json:"l"`
}

func (lc listCursor) encode() string {
	b, _ := json.Marshal(lc)
	return "AAE" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (listCursor, bool) {
	var lc listCursor
	rest, ok := strings.CutPrefix(s, "AAE")
	if !ok {
		return lc, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || json.Unmarshal(b, &lc) != nil || lc.Limit < 1 || lc.Limit > maxListLimit {
		return lc, false
	}
	return lc, true
}

// inScope reports whether n belongs to the listing.
func (lc *listCursor) inScope(n *node) bool {
	if lc.Recursive {
		if lc.Root == "" {
			return n.lower != ""
		}
		return n.lower == lc.Root || strings.HasPrefix(n.lower, lc.Root+"/")
	}
	return n.lower != lc.Root && store.Parent(n.lower) == lc.Root
}

// listPage returns the next page of a listing and advances the cursor.
// Callers hold s.mu (read).
func (s *Store) listPage(lc *listCursor) ([]any, bool) {
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
		entries = append(entries, sl.n.taggedMeta())
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
func (s *Store) page(lc listCursor) listFolderResult {
	entries, more := s.listPage(&lc)
	return listFolderResult{Entries: entries, Cursor: lc.encode(), HasMore: more}
}

// list starts listing the folder at p, or returns a LookupError tag.
func (s *Store) list(p string, lc listCursor) (listFolderResult, string) {
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

// resume continues a listing; it returns false when the cursor is not from
// this run (the client must start again).
func (s *Store) resume(lc listCursor) (listFolderResult, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if lc.Epoch != s.epoch || lc.Pos > s.seq {
		return listFolderResult{}, false
	}
	return s.page(lc), true
}

// metadata returns the Metadata union of the entry at p, or a LookupError
// tag.
func (s *Store) metadata(p string) (any, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, tag := s.lookup(p)
	switch {
	case tag != "":
		return nil, tag
	case n == s.root:
		return nil, tagMalformedPath // Dropbox has no metadata for the root
	}
	return n.taggedMeta(), ""
}

// ResetCursors invalidates every list_folder cursor given so far:
// list_folder/continue answers them 409 reset, as Dropbox may at any time,
// and the client must list again from the start. It is the test knob for
// that path (also POST /emulator/reset-cursors).
func (s *Server) ResetCursors() {
	s.store.mu.Lock()
	s.store.epoch = newEpoch()
	s.store.mu.Unlock()
}

// files/list_folder.
func (s *Server) listFolder(c *call) {
	var arg struct {
		Path           *string `json:"path"`
		Recursive      bool    `json:"recursive"`
		IncludeDeleted bool    `json:"include_deleted"`
		Limit          *int64  `json:"limit"`
	}
	if !c.decode(&arg) || !c.required("path", arg.Path != nil) {
		return
	}
	p := *arg.Path
	switch {
	case p == "/":
		c.bad(`request body: path: Specify the root folder as an empty string rather than as "/".`)
		return
	case p != "" && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "id:") && !strings.HasPrefix(p, "ns:"):
		c.bad(fmt.Sprintf("request body: path: '%s' did not match pattern '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/.*)?)'", p))
		return
	}
	limit := int64(maxListLimit)
	if arg.Limit != nil {
		limit = *arg.Limit
		if limit < 1 || limit > maxListLimit {
			c.bad(fmt.Sprintf("request body: limit: %d is not between 1 and %d", limit, maxListLimit))
			return
		}
	}
	res, tag := s.store.list(p, listCursor{Recursive: arg.Recursive, IncludeDeleted: arg.IncludeDeleted, Limit: int(limit)})
	if tag != "" {
		c.fail(u("path", "path", u(tag)))
		return
	}
	s.listed(res.Entries...)
	c.ok(res)
}

// files/list_folder/continue.
func (s *Server) listFolderContinue(c *call) {
	var arg struct {
		Cursor *string `json:"cursor"`
	}
	if !c.decode(&arg) || !c.required("cursor", arg.Cursor != nil) {
		return
	}
	lc, ok := decodeCursor(*arg.Cursor)
	if !ok {
		c.bad(fmt.Sprintf("Invalid \"cursor\" parameter: %q", *arg.Cursor))
		return
	}
	res, ok := s.store.resume(lc)
	if !ok {
		c.fail(u("reset"))
		return
	}
	s.listed(res.Entries...)
	c.ok(res)
}

// files/get_metadata.
func (s *Server) getMetadata(c *call) {
	var arg struct {
		Path           *string `json:"path"`
		IncludeDeleted bool    `json:"include_deleted"`
	}
	p, ok := c.readPathArg(&arg, &arg.Path)
	if !ok {
		return
	}
	meta, tag := s.store.metadata(p)
	if tag != "" {
		c.fail(u("path", "path", u(tag)))
		return
	}
	one := []any{meta}
	s.listed(one...)
	c.ok(one[0])
}
