package emulator

import "github.com/librec-auto/dropbox-post/internal/emulator/store"

// Shared links: sharing/create_shared_link_with_settings (with its
// shared_link_already_exists error that carries the existing link) and
// sharing/list_shared_links. Links are public, one per path, and go away
// with the file or folder.

func (s *Server) createSharedLink(c *call) {
	var arg struct {
		Path *string `json:"path"`
	}
	if !c.decode(&arg) || !c.required("path", arg.Path != nil) {
		return
	}
	meta, e, err := s.store.CreateLink(*arg.Path)
	switch {
	case err != nil:
		c.internal(err)
		return
	case e != nil:
		c.fail(*e)
		return
	}
	c.ok(meta)
}

func (s *Server) listSharedLinks(c *call) {
	var arg struct {
		Path       string `json:"path"`
		Cursor     string `json:"cursor"`
		DirectOnly bool   `json:"direct_only"`
	}
	if !c.decode(&arg) {
		return
	}
	if arg.Cursor != "" {
		c.fail(store.U("reset"))
		return
	}
	links, tag := s.store.SharedLinks(arg.Path, arg.DirectOnly)
	if tag != "" {
		c.fail(store.U("path", "path", store.U(tag)))
		return
	}
	c.ok(map[string]any{"links": links, "has_more": false})
}
