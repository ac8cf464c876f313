package emulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Commits: the changes that upload, upload_session/finish(_batch_v2),
// create_folder_v2 and delete_v2 make, with Dropbox's write modes and
// conflict rules. Each runs under the store lock and is journaled before it
// is answered.

// fileCommit is one file to commit (CommitInfo plus the content).
type fileCommit struct {
	path           string // the client's path
	mode           string // add, overwrite or update
	rev            string // for update
	autorename     bool
	strict         bool
	clientModified *time.Time
	content        blob
	hash           string
}

// commitResult is the outcome of one commit: the file's metadata, or a
// WriteError.
type commitResult struct {
	meta fileMetadata
	werr *union
}

func writeErr(tag string, kv ...any) *union {
	e := u(tag, kv...)
	return &e
}

func conflict(kind string) *union { return writeErr("conflict", "conflict", u(kind)) }

// commitFiles commits files in order under one lock and one journal sync,
// as a batch commit does. Content that no file refers to afterwards (old
// versions, and uploads that changed nothing) is discarded.
func (s *Store) commitFiles(cs []fileCommit) ([]commitResult, error) {
	out := make([]commitResult, len(cs))
	var recs []record
	var gone []blob
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
		err = s.sync(ticket)
	}
	if err != nil {
		return nil, err
	}
	for _, b := range gone {
		s.blobs.discard(b)
	}
	return out, nil
}

// commitFile commits one file. Callers hold s.mu.
func (s *Store) commitFile(c fileCommit, now time.Time) (commitResult, []record, []blob) {
	// A failed commit leaves the content to the caller (a session may try
	// again); a commit that changes nothing makes it garbage.
	fail := func(e *union) (commitResult, []record, []blob) { return commitResult{werr: e}, nil, nil }
	unchanged := func(n *node) (commitResult, []record, []blob) {
		return commitResult{meta: n.fileMeta()}, nil, []blob{c.content}
	}

	p, tag := s.resolve(c.path)
	if tag != "" {
		return fail(writeErr(tagMalformedPath))
	}
	parts, tag := splitPath(p)
	if tag != "" || len(parts) == 0 {
		return fail(writeErr(tagMalformedPath))
	}
	for _, name := range parts {
		if store.Ignored(name) {
			return fail(writeErr("disallowed_name"))
		}
	}
	parent, missing, werr := s.walkParents(parts)
	if werr != nil {
		return fail(werr)
	}
	name := parts[len(parts)-1]
	var existing *node
	if missing == nil {
		existing = parent.children[store.Lower(name)]
	}

	replace := false
	switch {
	case existing == nil:
		if c.mode == "update" && c.strict {
			return fail(conflict("file"))
		}
	case existing.folder:
		if !c.autorename {
			return fail(conflict("folder"))
		}
		name = freeName(parent, name)
	default:
		same := existing.hash == c.hash
		switch {
		case c.mode == "overwrite" || (c.mode == "update" && existing.rev == c.rev):
			if same && !(c.mode == "update" && c.strict) {
				return unchanged(existing)
			}
			replace = true
		case same && !c.strict:
			return unchanged(existing)
		case c.autorename:
			name = freeName(parent, name)
		default:
			return fail(conflict("file"))
		}
	}

	var recs []record
	parent, recs = s.makeFolders(parent, missing)
	seq := s.nextSeq()
	n := &node{
		display: joinPath(parent.display, name),
		id:      newNodeID(),
		rev:     revFor(seq),
		size:    c.content.Size(),
		hash:    c.hash,
		content: c.content,
	}
	n.lower = store.Lower(n.display)
	n.serverModified = now
	n.clientModified = now
	if c.clientModified != nil {
		n.clientModified = c.clientModified.UTC().Truncate(time.Second)
	}
	var gone []blob
	if replace {
		n.id = existing.id
		s.unlink(existing, true)
		gone = append(gone, existing.content)
	}
	s.link(parent, n, seq)
	s.compactLog()
	return commitResult{meta: n.fileMeta()}, append(recs, n.record()), gone
}

// walkParents follows the folders of parts (all but the last component).
// It returns the deepest existing folder and the names still to create, or
// a conflict when a file stands where a folder should be.
func (s *Store) walkParents(parts []string) (*node, []string, *union) {
	cur := s.root
	for i, name := range parts[:len(parts)-1] {
		next := cur.children[store.Lower(name)]
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
// one with the records that make them.
func (s *Store) makeFolders(parent *node, names []string) (*node, []record) {
	var recs []record
	for _, name := range names {
		f := &node{display: joinPath(parent.display, name), id: newNodeID(), folder: true, children: map[string]*node{}}
		f.lower = store.Lower(f.display)
		s.link(parent, f, s.nextSeq())
		recs = append(recs, f.record())
		parent = f
	}
	return parent, recs
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
		if parent.children[store.Lower(cand)] == nil {
			return cand
		}
	}
}

// createFolder makes a folder (and its parents). It returns the folder's
// metadata or a WriteError.
func (s *Store) createFolder(p string, autorename bool) (folderMetadata, *union, error) {
	s.mu.Lock()
	meta, werr, recs := s.createFolderLocked(p, autorename)
	ticket, err := s.persist(recs...)
	s.mu.Unlock()
	if err == nil {
		err = s.sync(ticket)
	}
	return meta, werr, err
}

func (s *Store) createFolderLocked(p string, autorename bool) (folderMetadata, *union, []record) {
	p, tag := s.resolve(p)
	if tag != "" {
		return folderMetadata{}, writeErr(tagMalformedPath), nil
	}
	parts, tag := splitPath(p)
	if tag != "" || len(parts) == 0 {
		return folderMetadata{}, writeErr(tagMalformedPath), nil
	}
	for _, name := range parts {
		if store.Ignored(name) {
			return folderMetadata{}, writeErr("disallowed_name"), nil
		}
	}
	parent, missing, werr := s.walkParents(parts)
	if werr != nil {
		return folderMetadata{}, werr, nil
	}
	name := parts[len(parts)-1]
	if missing == nil {
		if existing := parent.children[store.Lower(name)]; existing != nil {
			if !autorename {
				kind := "file"
				if existing.folder {
					kind = "folder"
				}
				return folderMetadata{}, conflict(kind), nil
			}
			name = freeName(parent, name)
		}
	}
	names := append(append([]string(nil), missing...), name)
	f, recs := s.makeFolders(parent, names)
	return f.folderMeta(), nil, recs
}

// deletePath deletes a file or folder (with everything in it). It returns
// the Metadata union of what was deleted, or a DeleteError.
func (s *Store) deletePath(p, parentRev string) (any, *union, error) {
	s.mu.Lock()
	n, tag := s.lookup(p)
	switch {
	case tag != "":
		s.mu.Unlock()
		return nil, writeErr("path_lookup", "path_lookup", u(tag)), nil
	case n == s.root:
		s.mu.Unlock()
		return nil, writeErr("path_write", "path_write", u(tagMalformedPath)), nil
	case parentRev != "" && (n.folder || n.rev != parentRev):
		s.mu.Unlock()
		return nil, writeErr("path_write", "path_write", u("conflict", "conflict", u("file"))), nil
	}
	meta := n.taggedMeta()
	gone := s.remove(n, s.nextSeq())
	ticket, err := s.persist(record{Op: "delete", Path: n.lower, Seq: n.seq})
	s.mu.Unlock()
	if err == nil {
		err = s.sync(ticket)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, b := range gone {
		s.blobs.discard(b)
	}
	return meta, nil, nil
}
