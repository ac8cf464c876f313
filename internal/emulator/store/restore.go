package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Opening a data directory: replaying the journal into the store, removing
// content nobody refers to, and writing the journal again in compact form.

// Open returns an in-memory store, or the store kept in dir.
func Open(dir string) (*Store, error) {
	s := newStore(dir)
	if dir == "" {
		return s, nil
	}
	for _, d := range []string{dir, s.Blobs.blobDir(), s.Blobs.tmpDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("emulator: data directory: %w", err)
		}
	}
	// Content that was being received when the last run stopped is gone.
	if err := os.RemoveAll(s.Blobs.tmpDir()); err != nil {
		return nil, err
	}
	if err := os.Mkdir(s.Blobs.tmpDir(), 0o700); err != nil {
		return nil, err
	}
	refresh := map[string]Record{}
	var order []string
	err := readJournal(dir, func(rec Record) error {
		switch rec.Op {
		case "refresh":
			if _, ok := refresh[rec.Token]; !ok {
				order = append(order, rec.Token)
			}
			refresh[rec.Token] = rec
			return nil
		case "revoke":
			delete(refresh, rec.Token)
			return nil
		}
		return s.replay(rec)
	})
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	for _, t := range order {
		if rec, ok := refresh[t]; ok {
			s.refreshRecords = append(s.refreshRecords, rec)
		}
	}
	if err := s.collectGarbage(); err != nil {
		return nil, err
	}
	j, err := writeJournal(dir, s.snapshot())
	if err != nil {
		return nil, fmt.Errorf("emulator: data directory: %w", err)
	}
	s.journal = j
	return s, nil
}

// replay applies one journal record at start.
func (s *Store) replay(rec Record) error {
	if rec.Seq > s.seq {
		s.seq = rec.Seq
	}
	switch rec.Op {
	case "folder", "file":
		parent := s.byPath[Lower(Parent(rec.Path))]
		if parent == nil || !parent.folder {
			return fmt.Errorf("%s %q has no parent folder", rec.Op, rec.Path)
		}
		n := &node{display: rec.Path, lower: Lower(rec.Path), id: rec.ID, folder: rec.Op == "folder"}
		if n.folder {
			n.children = map[string]*node{}
		} else {
			n.rev, n.size, n.hash = rec.Rev, rec.Size, rec.Hash
			n.clientModified, _ = time.Parse(TimeFormat, rec.ClientModified)
			n.serverModified, _ = time.Parse(TimeFormat, rec.ServerModified)
			n.content = &fileBlob{path: filepath.Join(s.Blobs.blobDir(), rec.Blob), size: rec.Size}
		}
		if old := s.byPath[n.lower]; old != nil {
			s.unlink(old, false)
		}
		s.link(parent, n, rec.Seq)
	case "delete":
		if n := s.byPath[Lower(rec.Path)]; n != nil && n != s.root {
			s.remove(n, rec.Seq)
		}
	case "link":
		s.links[Lower(rec.Path)] = &link{url: rec.URL, id: rec.ID}
	default:
		return fmt.Errorf("unknown record %q", rec.Op)
	}
	return nil
}

// snapshot returns records that rebuild the current state: folders and
// files in change order (a parent always comes before its children),
// links, and the refresh tokens still valid.
func (s *Store) snapshot() []Record {
	var recs []Record
	for _, sl := range s.log {
		if sl.stale() || sl.n.deleted {
			continue
		}
		recs = append(recs, sl.n.record())
	}
	paths := make([]string, 0, len(s.links))
	for p := range s.links {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		l := s.links[p]
		recs = append(recs, Record{Op: "link", Path: p, URL: l.url, ID: l.id})
	}
	return append(recs, s.refreshRecords...)
}

// record returns the journal record that makes n.
func (n *node) record() Record {
	if n.folder {
		return Record{Op: "folder", Path: n.display, ID: n.id, Seq: n.seq}
	}
	r := Record{Op: "file", Path: n.display, ID: n.id, Seq: n.seq, Rev: n.rev, Size: n.size, Hash: n.hash,
		ClientModified: n.clientModified.Format(TimeFormat), ServerModified: n.serverModified.Format(TimeFormat)}
	if fb, ok := n.content.(*fileBlob); ok {
		r.Blob = filepath.Base(fb.path)
	}
	return r
}

// collectGarbage removes blob files no file refers to.
func (s *Store) collectGarbage() error {
	used := map[string]bool{}
	for _, n := range s.byPath {
		if fb, ok := n.content.(*fileBlob); ok {
			used[filepath.Base(fb.path)] = true
		}
	}
	entries, err := os.ReadDir(s.Blobs.blobDir())
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !used[e.Name()] {
			_ = os.Remove(filepath.Join(s.Blobs.blobDir(), e.Name()))
		}
	}
	for p, n := range s.byPath {
		if fb, ok := n.content.(*fileBlob); ok {
			if _, err := os.Stat(fb.path); err != nil {
				return fmt.Errorf("emulator: content of %s is missing: %w", p, err)
			}
		}
	}
	return nil
}
