package emulator

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Shared links: sharing/create_shared_link_with_settings (with its
// shared_link_already_exists error that carries the existing link) and
// sharing/list_shared_links. Links are public, one per path, and go away
// with the file or folder.

type link struct {
	url string
	id  string
}

// linkMetadata is sharing/FileLinkMetadata or FolderLinkMetadata.
type linkMetadata struct {
	Tag             string          `json:".tag"`
	URL             string          `json:"url"`
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	PathLower       string          `json:"path_lower"`
	LinkPermissions linkPermissions `json:"link_permissions"`
	ClientModified  string          `json:"client_modified,omitempty"`
	ServerModified  string          `json:"server_modified,omitempty"`
	Rev             string          `json:"rev,omitempty"`
	Size            *int64          `json:"size,omitempty"`
}

type linkPermissions struct {
	ResolvedVisibility    union `json:"resolved_visibility"`
	RequestedVisibility   union `json:"requested_visibility"`
	CanRevoke             bool  `json:"can_revoke"`
	VisibilityPolicies    []any `json:"visibility_policies"`
	CanSetExpiry          bool  `json:"can_set_expiry"`
	CanRemoveExpiry       bool  `json:"can_remove_expiry"`
	AllowDownload         bool  `json:"allow_download"`
	CanAllowDownload      bool  `json:"can_allow_download"`
	CanDisallowDownload   bool  `json:"can_disallow_download"`
	AllowComments         bool  `json:"allow_comments"`
	TeamRestrictsComments bool  `json:"team_restricts_comments"`
	LinkAccessLevel       union `json:"link_access_level"`
	EffectiveAudience     union `json:"effective_audience"`
}

func publicPermissions() linkPermissions {
	return linkPermissions{
		ResolvedVisibility: u("public"), RequestedVisibility: u("public"), CanRevoke: true,
		VisibilityPolicies: []any{}, CanSetExpiry: true, CanRemoveExpiry: true,
		AllowDownload: true, CanAllowDownload: true, AllowComments: true,
		LinkAccessLevel: u("viewer"), EffectiveAudience: u("public"),
	}
}

func (l *link) metadata(n *node) linkMetadata {
	m := linkMetadata{URL: l.url, ID: n.id, Name: store.Base(n.display), PathLower: n.lower,
		LinkPermissions: publicPermissions()}
	if n.folder {
		m.Tag = "folder"
		return m
	}
	size := n.size
	// No preview_type: sharing.stone does not declare it (the spec oracle
	// refuses it), though Dropbox has been seen to send it.
	m.Tag, m.Rev, m.Size = "file", n.rev, &size
	m.ClientModified, m.ServerModified = n.clientModified.Format(dbxTime), n.serverModified.Format(dbxTime)
	return m
}

func newLinkURL(n *node) string {
	kind := "fi"
	if n.folder {
		kind = "fo"
	}
	return fmt.Sprintf("https://www.dropbox.com/scl/%s/%s/%s?rlkey=%s&dl=0",
		kind, strings.ToLower(randomToken(15)), url.PathEscape(store.Base(n.display)), strings.ToLower(randomToken(18)))
}

func (s *Server) createSharedLink(c *call) {
	var arg struct {
		Path *string `json:"path"`
	}
	if !c.decode(&arg) || !c.required("path", arg.Path != nil) {
		return
	}
	st := s.store
	st.mu.Lock()
	n, tag := st.lookup(*arg.Path)
	if tag == "" && n == st.root {
		tag = tagMalformedPath
	}
	if tag != "" {
		st.mu.Unlock()
		c.fail(u("path", "path", u(tag)))
		return
	}
	if l := st.links[n.lower]; l != nil {
		meta := l.metadata(n)
		st.mu.Unlock()
		c.fail(u("shared_link_already_exists", "shared_link_already_exists", u("metadata", "metadata", meta)))
		return
	}
	l := &link{url: newLinkURL(n), id: n.id}
	st.links[n.lower] = l
	meta := l.metadata(n)
	ticket, err := st.persist(record{Op: "link", Path: n.lower, URL: l.url, ID: l.id})
	st.mu.Unlock()
	if err == nil {
		err = st.sync(ticket)
	}
	if err != nil {
		c.internal(err)
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
		c.fail(u("reset"))
		return
	}
	links, tag := s.store.sharedLinks(arg.Path, arg.DirectOnly)
	if tag != "" {
		c.fail(u("path", "path", u(tag)))
		return
	}
	c.ok(map[string]any{"links": links, "has_more": false})
}

// sharedLinks returns the links to p ("" = all links) and, unless
// directOnly, to the folders above it.
func (st *Store) sharedLinks(p string, directOnly bool) ([]linkMetadata, string) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var paths []string
	if p == "" {
		for lp := range st.links {
			paths = append(paths, lp)
		}
		sort.Strings(paths)
	} else {
		n, tag := st.lookup(p)
		if tag != "" {
			return nil, tag
		}
		for lp := n.lower; ; lp = store.Parent(lp) {
			if st.links[lp] != nil {
				paths = append(paths, lp)
			}
			if lp == "" || directOnly {
				break
			}
		}
	}
	links := []linkMetadata{}
	for _, lp := range paths {
		if n := st.byPath[lp]; n != nil {
			links = append(links, st.links[lp].metadata(n))
		}
	}
	return links, ""
}
