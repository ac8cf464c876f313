package store

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Shared links: one per path, public, gone with the file or folder.

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
	ResolvedVisibility    Union `json:"resolved_visibility"`
	RequestedVisibility   Union `json:"requested_visibility"`
	CanRevoke             bool  `json:"can_revoke"`
	VisibilityPolicies    []any `json:"visibility_policies"`
	CanSetExpiry          bool  `json:"can_set_expiry"`
	CanRemoveExpiry       bool  `json:"can_remove_expiry"`
	AllowDownload         bool  `json:"allow_download"`
	CanAllowDownload      bool  `json:"can_allow_download"`
	CanDisallowDownload   bool  `json:"can_disallow_download"`
	AllowComments         bool  `json:"allow_comments"`
	TeamRestrictsComments bool  `json:"team_restricts_comments"`
	LinkAccessLevel       Union `json:"link_access_level"`
	EffectiveAudience     Union `json:"effective_audience"`
}

func publicPermissions() linkPermissions {
	return linkPermissions{
		ResolvedVisibility: U("public"), RequestedVisibility: U("public"), CanRevoke: true,
		VisibilityPolicies: []any{}, CanSetExpiry: true, CanRemoveExpiry: true,
		AllowDownload: true, CanAllowDownload: true, AllowComments: true,
		LinkAccessLevel: U("viewer"), EffectiveAudience: U("public"),
	}
}

func (l *link) metadata(n *node) linkMetadata {
	m := linkMetadata{URL: l.url, ID: n.id, Name: Base(n.display), PathLower: n.lower,
		LinkPermissions: publicPermissions()}
	if n.folder {
		m.Tag = "folder"
		return m
	}
	size := n.size
	// No preview_type: sharing.stone does not declare it (the spec oracle
	// refuses it), though Dropbox has been seen to send it.
	m.Tag, m.Rev, m.Size = "file", n.rev, &size
	m.ClientModified, m.ServerModified = n.clientModified.Format(TimeFormat), n.serverModified.Format(TimeFormat)
	return m
}

func newLinkURL(n *node) string {
	kind := "fi"
	if n.folder {
		kind = "fo"
	}
	return fmt.Sprintf("https://www.dropbox.com/scl/%s/%s/%s?rlkey=%s&dl=0",
		kind, strings.ToLower(RandomToken(15)), url.PathEscape(Base(n.display)), strings.ToLower(RandomToken(18)))
}

// CreateLink makes the shared link of the file or folder at p, or returns
// the CreateSharedLinkWithSettingsError: path/… when there is none,
// shared_link_already_exists with the link when it has one.
func (st *Store) CreateLink(p string) (linkMetadata, *Union, error) {
	st.mu.Lock()
	n, tag := st.lookup(p)
	if tag == "" && n == st.root {
		tag = tagMalformedPath
	}
	if tag != "" {
		st.mu.Unlock()
		e := U("path", "path", U(tag))
		return linkMetadata{}, &e, nil
	}
	if l := st.links[n.lower]; l != nil {
		meta := l.metadata(n)
		st.mu.Unlock()
		e := U("shared_link_already_exists", "shared_link_already_exists", U("metadata", "metadata", meta))
		return linkMetadata{}, &e, nil
	}
	l := &link{url: newLinkURL(n), id: n.id}
	st.links[n.lower] = l
	meta := l.metadata(n)
	ticket, err := st.persist(Record{Op: "link", Path: n.lower, URL: l.url, ID: l.id})
	st.mu.Unlock()
	if err == nil {
		err = st.Sync(ticket)
	}
	return meta, nil, err
}

// SharedLinks returns the links to p ("" = all links) and, unless
// directOnly, to the folders above it.
func (st *Store) SharedLinks(p string, directOnly bool) ([]linkMetadata, string) {
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
		for lp := n.lower; ; lp = Parent(lp) {
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

// RandomToken returns n random bytes in base64url.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
