package remote

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Held is what Dropbox holds at a path a person gave (pull's REMOTE, ls's
// DEST): a folder's entries, or a file alone.
type Held struct {
	// Base is the folder the entries lie below: the path itself when it is
	// a folder (or the root), its parent when it is a file.
	Base   string
	Folder bool
	// Entries are keyed by dpath.Key of their path; the folder itself is
	// left out.
	Entries map[string]Entry
}

// LookOptions says how much Look lists.
type LookOptions struct {
	Recursive bool      // everything below a folder; else its own entries
	Listing   func()    // called before a folder is listed (not for a file)
	Seen      func(int) // the running count of ListSeen
}

// NotOnDropbox is the error for a path that a person gave and Dropbox does
// not hold.
func NotOnDropbox(path string) error {
	return exit.New(exit.Usage, fmt.Sprintf("%s is not on Dropbox", dpath.Quote(path)),
		"check the path (Dropbox paths start with /, and are the same in any case)")
}

// Look returns what Dropbox holds at path, a cleaned path: the root and a
// folder are listed, a file is looked up alone. Nothing there is
// NotOnDropbox (exit 2).
func Look(ctx context.Context, c files.ContextClient, path string, o LookOptions) (*Held, error) {
	h := &Held{Base: path, Folder: true}
	if path != "" {
		m, err := Stat(ctx, c, path)
		if err != nil {
			return nil, err
		}
		e, ok := m[dpath.Key(path)]
		switch {
		case !ok:
			return nil, NotOnDropbox(path)
		case !e.Folder: // a file: itself, below its parent
			h.Base, h.Folder, h.Entries = dpath.Parent(path), false, m
			return h, nil
		}
	}
	if o.Listing != nil {
		o.Listing()
	}
	entries, err := listFolder(ctx, c, path, o.Recursive, counted(o.Seen))
	if err != nil {
		return nil, err
	}
	delete(entries, dpath.Key(path)) // Dropbox may list the folder itself
	h.Entries = entries
	return h, nil
}

// Named is an entry with its path below Held.Base.
type Named struct {
	Entry
	// Rel is the path below Base, "/"-separated. Only the last name of a
	// path_display is sure to have its case, so each folder's name is
	// taken from that folder's own entry when it was listed.
	Rel string
}

// RelOf returns e's path below Base, "/"-separated, and false when e is not
// below Base (a server's mistake). Only the last name of a path_display is
// sure to have its case (files.stone, Metadata.path_display), so each
// folder above e is named by that folder's own entry when it was listed
// (its last name), and by e's path_display only when it was not.
func (h *Held) RelOf(e Entry) (string, bool) {
	skip := strings.Count(h.Base, "/") + 1
	names := strings.Split(e.Path, "/")
	if len(names) <= skip || !dpath.Within(e.Path, h.Base) {
		return "", false
	}
	names = names[skip:]
	for i := range names[:len(names)-1] {
		folder := dpath.Key(dpath.Join(h.Base, strings.Join(names[:i+1], "/")))
		if f, ok := h.Entries[folder]; ok && f.Folder {
			names[i] = dpath.Base(f.Path)
		}
	}
	return strings.Join(names, "/"), true
}

// Sorted returns the entries in the order of a tree: by path, without
// regard to case, each folder followed by what it holds. Entries not below
// Base are left out.
func (h *Held) Sorted() []Named {
	out := make([]Named, 0, len(h.Entries))
	for _, e := range h.Entries {
		if rel, ok := h.RelOf(e); ok {
			out = append(out, Named{Entry: e, Rel: rel})
		}
	}
	key := func(n Named) string { return strings.ReplaceAll(dpath.Key(n.Rel), "/", "\x00") }
	sort.Slice(out, func(i, j int) bool {
		ki, kj := key(out[i]), key(out[j])
		if ki != kj {
			return ki < kj
		}
		return out[i].Rel < out[j].Rel
	})
	return out
}
