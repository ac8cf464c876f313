// Package plan decides what to send where: it compares the local files with
// what Dropbox already holds, by content hash, and says for each file
// whether to upload it, and why. It makes no Dropbox calls.
package plan

import (
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// IfExists says what to do with a file that exists on Dropbox with other
// content.
type IfExists string

// IfExists values. Overwrite is the default, as librec-auto's script does.
const (
	Overwrite IfExists = "overwrite"
	Skip      IfExists = "skip"
	Fail      IfExists = "fail"
)

// ParseIfExists checks an --if-exists value.
func ParseIfExists(s string) (IfExists, error) {
	switch m := IfExists(s); m {
	case Overwrite, Skip, Fail:
		return m, nil
	}
	return "", fmt.Errorf("--if-exists %q: use overwrite, skip or fail", s)
}

// Action is what happens to one file.
type Action string

// Actions.
const (
	Upload    Action = "upload"    // missing or different on Dropbox
	Unchanged Action = "unchanged" // Dropbox has the same content
	Kept      Action = "kept"      // different on Dropbox, left alone (--if-exists skip)
	Conflict  Action = "conflict"  // cannot be sent: see Reason
)

// Item is one local file and what happens to it.
type Item struct {
	File   *local.File
	Dest   string        // Dropbox path, display case
	Remote *remote.Entry // what Dropbox holds there, if anything
	Action Action
	Reason string // "new", "changed", "same content", or why it is a conflict
}

// Plan is what a push will do.
type Plan struct {
	Dest    string   // the Dropbox folder the files go under
	Items   []*Item  // in the tree's order
	Folders []string // empty folders to create (Dropbox paths)
}

// Count returns the number of items with action a.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// Bytes returns the bytes of the items with action a.
func (p *Plan) Bytes(a Action) int64 {
	var n int64
	for _, it := range p.Items {
		if it.Action == a {
			n += it.File.Size
		}
	}
	return n
}

// Make compares tree, to be posted under the Dropbox folder dest, with
// held (what Dropbox holds, keyed by dpath.Key of the full path). A
// file whose size differs from Dropbox's is changed whatever its content;
// one of the same size must be hashed (see NeedHash), and its hash decides.
// A single file goes to dest/<name>; a folder's contents go directly under
// dest, keeping sub-folders, as librec-auto does.
func Make(tree *local.Tree, dest string, held map[string]remote.Entry, mode IfExists) *Plan {
	p := &Plan{Dest: dest, Items: make([]*Item, 0, len(tree.Files))}
	for _, f := range tree.Files {
		it := &Item{File: f, Dest: dpath.Join(dest, f.Rel)}
		if r, ok := held[dpath.Key(it.Dest)]; ok {
			it.Remote = &r
		}
		decide(it, mode)
		if it.Action == Upload && it.Remote == nil {
			if clash := folderClash(dest, f.Rel, held); clash != "" {
				it.Action, it.Reason = Conflict, fmt.Sprintf("%q is a file on Dropbox, where this needs a folder", clash)
			}
		}
		p.Items = append(p.Items, it)
	}
	for _, d := range tree.EmptyDirs {
		path := dpath.Join(dest, d)
		if r, ok := held[dpath.Key(path)]; !ok || !r.Folder {
			p.Folders = append(p.Folders, path)
		}
	}
	return p
}

// NeedHash returns the files of tree whose content hash decides what to do:
// those that Dropbox holds a file of the same size for. The others are sent
// (new, or of another size) without hashing them first; their hash is
// computed from the bytes as they are sent.
func NeedHash(tree *local.Tree, dest string, held map[string]remote.Entry) []*local.File {
	var out []*local.File
	for _, f := range tree.Files {
		if MayHold(held, dest, f) {
			out = append(out, f)
		}
	}
	return out
}

// MayHold reports whether Dropbox holds a file of f's size where f goes
// under dest: then f's hash decides whether it is sent.
func MayHold(held map[string]remote.Entry, dest string, f *local.File) bool {
	r, ok := held[dpath.Key(dpath.Join(dest, f.Rel))]
	return ok && !r.Folder && !r.Export && r.Size == f.Size
}

// Document is why a file is not sent where Dropbox holds a document made
// in its web app (Paper, Google Docs …: remote.Entry.Export).
const Document = "a Dropbox document (Paper, Google Docs …) is at this path"

// NoHash is why a file Dropbox lists without a content hash (optional in
// the spec) cannot be told unchanged, for push and pull alike.
const NoHash = "Dropbox listed no content hash to compare"

func decide(it *Item, mode IfExists) {
	r := it.Remote
	switch {
	case r == nil:
		it.Action, it.Reason = Upload, "new"
	case r.Folder:
		it.Action, it.Reason = Conflict, "a folder of that name is on Dropbox"
	case r.Export && mode == Skip:
		it.Action, it.Reason = Kept, Document+", kept (--if-exists skip)"
	case r.Export:
		// Uploading would replace the document with this file (Dropbox
		// keeps the document only among its versions): never by default.
		it.Action, it.Reason = Conflict, Document+": not overwritten; rename the local file, or move the document on dropbox.com"
	case r.Size == it.File.Size && r.Hash == it.File.Hash && r.Hash != "":
		it.Action, it.Reason = Unchanged, "same content"
	case r.Hash == "" && r.Size == it.File.Size:
		// The spec makes content_hash optional in listings: without it,
		// nothing tells the file unchanged, so it counts as changed.
		switch mode {
		case Skip:
			it.Action, it.Reason = Kept, NoHash+", kept (--if-exists skip)"
		case Fail:
			it.Action, it.Reason = Conflict, NoHash+" (--if-exists fail)"
		default:
			it.Action, it.Reason = Upload, NoHash
		}
	case mode == Skip:
		it.Action, it.Reason = Kept, "different on Dropbox, kept (--if-exists skip)"
	case mode == Fail:
		it.Action, it.Reason = Conflict, "different on Dropbox (--if-exists fail)"
	default:
		it.Action, it.Reason = Upload, "changed"
	}
}

// folderClash returns the Dropbox path of a file that stands where one of
// rel's parent folders must go, or "".
func folderClash(dest, rel string, held map[string]remote.Entry) string {
	dir := dpath.Parent(dpath.Join(dest, rel))
	for dir != "" && dpath.Key(dir) != dpath.Key(dest) {
		if r, ok := held[dpath.Key(dir)]; ok && !r.Folder {
			return r.Path
		}
		dir = dpath.Parent(dir)
	}
	return ""
}
