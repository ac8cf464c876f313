package store

import (
	"fmt"
	"strings"
	"time"
)

// Commits: the changes that upload, upload_session/finish(_batch_v2),
// create_folder_v2 and delete_v2 make, with Dropbox's write modes and
// conflict rules. Each runs under the store lock and is journaled before it
// is answered.

// FileCommit is one file to commit (CommitInfo plus the content).
type FileCommit struct {
	Path           string // the client's path
	Mode           string // add, overwrite or update
	Rev            string // for update
	Autorename     bool
	Strict         bool
	ClientModified *time.Time
	Content        Blob
	Hash           string
}

// CommitResult is the outcome of one commit: the file's metadata, or a
// WriteError.
type CommitResult struct {
	Meta       FileMetadata
	WriteError *Union
}

// WriteErr is the WriteError union of a tag and its fields.
func WriteErr(tag string, kv ...any) *Union {
	e := U(tag, kv...)
	return &e
}

func conflict(kind string) *Union { return WriteErr("conflict", "conflict", U(kind)) }

// CommitFiles commits files in order under one lock and one journal sync,
// as a batch commit does. Content that no file refers to afterwards (old
// versions, and uploads that changed nothing) is discarded.
func (s *Store) CommitFiles(cs []FileCommit) ([]CommitResult, error) {
	out := make([]CommitResult, len(cs))
	var recs []Record
	var gone []Blob
	now := time.Now().UTC().Truncate(time.Second)

	s.mu.Lock()
	for i, c := range cs {
		res, r, g := s.commitFile(c, now)
		out[i] = res
		recs = append(recs, r...)
		gone = append(gone, g...)
	}
	ticket, err := s.persist(recs...)
	s.mu.Unlock()

	if err == nil {
		err = s.Sync(ticket)
	}
	if err != nil {
		return nil, err
	}
	for _, b := range gone {
		s.Blobs.Discard(b)
	}
	return out, nil
}

// commitFile commits one file. Callers hold s.mu.
func (s *Store) commitFile(c FileCommit, now time.Time) (CommitResult, []Record, []Blob) {
	// A failed commit leaves the content to the caller (a session may try
	// again); a commit that changes nothing makes it garbage.
	fail := func(e *Union) (CommitResult, []Record, []Blob) { return CommitResult{WriteError: e}, nil, nil }
	unchanged := func(n *node) (CommitResult, []Record, []Blob) {
		return CommitResult{Meta: n.fileMeta(s.shown(n))}, nil, []Blob{c.Content}
	}

	p, tag := s.resolve(c.Path)
	if tag != "" {
		return fail(WriteErr(tagMalformedPath))
	}
	p = s.written(p)
	parts, tag := s.splitPath(p)
	if tag != "" || len(parts) == 0 {
		return fail(WriteErr(tagMalformedPath))
	}
	for _, name := range parts {
		if Ignored(name) {
			return fail(WriteErr("disallowed_name"))
		}
	}
	parent, missing, werr := s.walkParents(parts)
	if werr != nil {
		return fail(werr)
	}
	name := parts[len(parts)-1]
	var existing *node
	if missing == nil {
		existing = parent.children[Lower(name)]
	}

	replace := false
	switch {
	case existing == nil:
		if c.Mode == "update" && c.Strict {
			return fail(conflict("file"))
		}
	case existing.folder:
		if !c.Autorename {
			return fail(conflict("folder"))
		}
		name = freeName(parent, name)
	default:
		same := existing.hash == c.Hash
		switch {
		case c.Mode == "overwrite" || (c.Mode == "update" && existing.rev == c.Rev):
			if same && !(c.Mode == "update" && c.Strict) {
				return unchanged(existing)
			}
			replace = true
		case same && !c.Strict:
			return unchanged(existing)
		case c.Autorename:
			name = freeName(parent, name)
		default:
			return fail(conflict("file"))
		}
	}

	grow := c.Content.Size()
	if replace {
		grow -= existing.size
	}
	if s.overQuota(grow) {
		return fail(WriteErr("insufficient_space"))
	}

	var recs []Record
	parent, recs = s.makeFolders(parent, missing, prefix(parts, len(parts)-1-len(missing)))
	seq := s.nextSeq()
	n := &node{
		display: joinPath(parent.display, name),
		id:      newNodeID(),
		rev:     revFor(seq),
		size:    c.Content.Size(),
		hash:    c.Hash,
		content: c.Content,
		asked:   s.asked(p, parent.display),
	}
	n.lower = Lower(n.display)
	n.serverModified = now
	n.clientModified = now
	if c.ClientModified != nil {
		n.clientModified = c.ClientModified.UTC().Truncate(time.Second)
	}
	var gone []Blob
	if replace {
		n.id = existing.id
		s.unlink(existing, true)
		gone = append(gone, existing.content)
	}
	s.link(parent, n, seq)
	s.compactLog()
	return CommitResult{Meta: n.fileMeta(s.shown(n))}, append(recs, n.record()), gone
}

// walkParents follows the folders of parts (all but the last component).
// It returns the deepest existing folder and the names still to create, or
// a conflict when a file stands where a folder should be.
func (s *Store) walkParents(parts []string) (*node, []string, *Union) {
	cur := s.root
	for i, name := range parts[:len(parts)-1] {
		next := cur.children[Lower(name)]
		if next == nil {
			return cur, parts[i : len(parts)-1], nil
		}
		if !next.folder {
			return nil, nil, conflict("file_ancestor")
		}
		cur = next
	}
	return cur, nil, nil
}

// makeFolders creates the folders names under parent and returns the last
// one with the records that make them. req is parent's path as the request
// spelt it.
func (s *Store) makeFolders(parent *node, names []string, req string) (*node, []Record) {
	var recs []Record
	for _, name := range names {
		req = joinPath(req, name)
		f := &node{display: joinPath(parent.display, name), id: newNodeID(), folder: true, children: map[string]*node{}}
		f.asked = s.asked(req, parent.display)
		f.lower = Lower(f.display)
		s.link(parent, f, s.nextSeq())
		recs = append(recs, f.record())
		parent = f
	}
	return parent, recs
}

// prefix returns the path of the first k names of parts ("" for none).
func prefix(parts []string, k int) string {
	if k == 0 {
		return ""
	}
	return "/" + strings.Join(parts[:k], "/")
}

// freeName returns name, or "name (1).ext", "name (2).ext"… whichever is
// not taken in parent, as Dropbox's autorename does.
func freeName(parent *node, name string) string {
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		stem, ext = name[:i], name[i:]
	}
	for k := 1; ; k++ {
		cand := fmt.Sprintf("%s (%d)%s", stem, k, ext)
		if parent.children[Lower(cand)] == nil {
			return cand
		}
	}
}

// CreateFolder makes a folder (and its parents). It returns the folder's
// metadata or a WriteError.
func (s *Store) CreateFolder(p string, autorename bool) (FolderMetadata, *Union, error) {
	s.mu.Lock()
	meta, werr, recs := s.createFolderLocked(p, autorename)
	ticket, err := s.persist(recs...)
	s.mu.Unlock()
	if err == nil {
		err = s.Sync(ticket)
	}
	return meta, werr, err
}

func (s *Store) createFolderLocked(p string, autorename bool) (FolderMetadata, *Union, []Record) {
	p, tag := s.resolve(p)
	if tag != "" {
		return FolderMetadata{}, WriteErr(tagMalformedPath), nil
	}
	p = s.written(p)
	parts, tag := s.splitPath(p)
	if tag != "" || len(parts) == 0 {
		return FolderMetadata{}, WriteErr(tagMalformedPath), nil
	}
	for _, name := range parts {
		if Ignored(name) {
			return FolderMetadata{}, WriteErr("disallowed_name"), nil
		}
	}
	parent, missing, werr := s.walkParents(parts)
	if werr != nil {
		return FolderMetadata{}, werr, nil
	}
	name := parts[len(parts)-1]
	if missing == nil {
		if existing := parent.children[Lower(name)]; existing != nil {
			if !autorename {
				kind := "file"
				if existing.folder {
					kind = "folder"
				}
				return FolderMetadata{}, conflict(kind), nil
			}
			name = freeName(parent, name)
		}
	}
	names := append(append([]string(nil), missing...), name)
	f, recs := s.makeFolders(parent, names, prefix(parts, len(parts)-len(names)))
	return f.folderMeta(s.shown(f)), nil, recs
}

// DeletePath deletes a file or folder (with everything in it). It returns
// the Metadata union of what was deleted, or a DeleteError.
func (s *Store) DeletePath(p, parentRev string) (any, *Union, error) {
	s.mu.Lock()
	n, tag := s.lookup(p)
	switch {
	case tag != "":
		s.mu.Unlock()
		return nil, WriteErr("path_lookup", "path_lookup", U(tag)), nil
	case n == s.root:
		s.mu.Unlock()
		return nil, WriteErr("path_write", "path_write", U(tagMalformedPath)), nil
	case parentRev != "" && (n.folder || n.rev != parentRev):
		s.mu.Unlock()
		return nil, WriteErr("path_write", "path_write", U("conflict", "conflict", U("file"))), nil
	}
	meta := n.taggedMeta(s.shown(n))
	gone := s.remove(n, s.nextSeq())
	ticket, err := s.persist(Record{Op: "delete", Path: n.lower, Seq: n.seq})
	s.mu.Unlock()
	if err == nil {
		err = s.Sync(ticket)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, b := range gone {
		s.Blobs.Discard(b)
	}
	return meta, nil, nil
}
