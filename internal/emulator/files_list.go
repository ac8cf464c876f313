package emulator

import (
	"fmt"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// ResetCursors invalidates every list_folder cursor given so far:
// list_folder/continue answers them 409 reset, as Dropbox may at any time,
// and the client must list again from the start. It is the test knob for
// that path (also POST /emulator/reset-cursors).
func (s *Server) ResetCursors() { s.store.ResetCursors() }

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
	limit := int64(store.MaxListLimit)
	if arg.Limit != nil {
		limit = *arg.Limit
		if limit < 1 || limit > store.MaxListLimit {
			c.bad(fmt.Sprintf("request body: limit: %d is not between 1 and %d", limit, store.MaxListLimit))
			return
		}
	}
	res, tag := s.store.List(p, store.ListCursor{Recursive: arg.Recursive, IncludeDeleted: arg.IncludeDeleted, Limit: int(limit)})
	if tag != "" {
		c.fail(store.U("path", "path", store.U(tag)))
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
	lc, ok := store.DecodeCursor(*arg.Cursor)
	if !ok {
		c.bad(fmt.Sprintf("Invalid \"cursor\" parameter: %q", *arg.Cursor))
		return
	}
	res, ok := s.store.Resume(lc)
	if !ok {
		c.fail(store.U("reset"))
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
	meta, tag := s.store.Metadata(p)
	if tag != "" {
		c.fail(store.U("path", "path", store.U(tag)))
		return
	}
	one := []any{meta}
	s.listed(one...)
	c.ok(one[0])
}
