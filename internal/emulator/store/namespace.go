package store

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// node is a file version or a folder. A file node is never changed after it
// is made, except that seq, superseded and deleted move under the store
// lock; a new version of a file is a new node with the same id.
type node struct {
	display    string // path_display as stored; "" for the root
	asked      string // the folders above it as the request that wrote it spelt them (NameRules.Display)
	lower      string // path_lower
	id         string
	folder     bool
	seq        uint64 // position in the change log; 0 once gone without a trace
	deleted    bool
	superseded bool
	children   map[string]*node // folders: lower-cased name → child

	rev            string
	size           int64
	hash           string
	clientModified time.Time
	serverModified time.Time
	content        Blob
}

// logSlot records that node n changed at seq. Slots whose node has moved
// on are stale and skipped (and dropped by compaction).
type logSlot struct {
	seq uint64
	n   *node
}

func (l logSlot) stale() bool { return l.n.seq != l.seq || l.n.superseded }

// Store is the account's namespace: a tree of nodes indexed by lower-cased
// path, id and rev, plus the change log that list_folder cursors walk, and
// shared links. One RWMutex orders every change; no I/O other than a
// journal append happens under it.
type Store struct {
	mu     sync.RWMutex
	root   *node
	byPath map[string]*node
	byID   map[string]*node
	byRev  map[string]*node
	log    []logSlot
	live   int // non-stale slots, for compaction
	seq    uint64
	epoch  string // cursors from another epoch (another run) are reset
	links  map[string]*link
	quota  int64 // bytes the files may take; 0: no limit (quota.go)
	rules  NameRules

	Blobs   *BlobStore
	journal *journal // nil in memory

	refreshRecords []Record // refresh tokens read from the journal, for authStore
}

// newEpoch returns a random cursor epoch.
func newEpoch() string {
	var e [6]byte
	binary.LittleEndian.PutUint32(e[:], rand.Uint32())
	binary.LittleEndian.PutUint16(e[4:], uint16(rand.Uint32()))
	return base64.RawURLEncoding.EncodeToString(e[:])
}

func newStore(dir string) *Store {
	root := &node{folder: true, children: map[string]*node{}, id: "id:root"}
	return &Store{
		root:   root,
		byPath: map[string]*node{"": root},
		byID:   map[string]*node{root.id: root},
		byRev:  map[string]*node{},
		links:  map[string]*link{},
		epoch:  newEpoch(),
		Blobs:  &BlobStore{dir: dir},
	}
}

// Close closes the journal (it does nothing in memory).
func (s *Store) Close() error {
	if s.journal == nil {
		return nil
	}
	return s.journal.close()
}

// persist appends records to the journal and returns a ticket to sync once
// locks are released. Changes to the tree are persisted under s.mu, so that
// the journal has them in order. In memory it does nothing.
func (s *Store) persist(recs ...Record) (uint64, error) {
	if s.journal == nil || len(recs) == 0 {
		return 0, nil
	}
	return s.journal.append(recs...)
}

// RefreshTokens returns the refresh tokens the journal holds (issued and
// not revoked), for the OAuth side.
func (s *Store) RefreshTokens() []Record { return s.refreshRecords }

// PersistRefresh records a refresh token the OAuth side issued; sync the
// ticket before answering.
func (s *Store) PersistRefresh(token, app string, scopes []string, pkce bool) (uint64, error) {
	return s.persist(Record{Op: "refresh", Token: token, App: app, Scopes: scopes, PKCE: pkce})
}

// PersistRevoke records that a refresh token was revoked.
func (s *Store) PersistRevoke(token string) (uint64, error) {
	return s.persist(Record{Op: "revoke", Token: token})
}

// Sync waits until the changes up to ticket are on disk.
func (s *Store) Sync(ticket uint64) error {
	if s.journal == nil || ticket == 0 {
		return nil
	}
	return s.journal.sync(ticket)
}

// nextSeq advances the change counter.
func (s *Store) nextSeq() uint64 {
	s.seq++
	return s.seq
}

// revFor returns a file revision for a change: lower-case hex, unique per
// version (the change counter survives restarts).
func revFor(seq uint64) string { return fmt.Sprintf("%016x", seq|1<<60) }

// newNodeID returns an id such as "id:a4ayc_80_OEAAAAAAAAAXw".
func newNodeID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return "id:" + base64.RawURLEncoding.EncodeToString(b[:])
}

// link inserts n under parent at change seq.
func (s *Store) link(parent, n *node, seq uint64) {
	parent.children[Lower(Base(n.display))] = n
	s.byPath[n.lower] = n
	s.byID[n.id] = n
	if !n.folder {
		s.byRev[n.rev] = n
	}
	s.record(n, seq)
}

// record puts n in the change log at seq.
func (s *Store) record(n *node, seq uint64) {
	n.seq = seq
	s.log = append(s.log, logSlot{seq: seq, n: n})
	s.live++
}

// unlink takes n (a file version about to be replaced) out of the indexes.
func (s *Store) unlink(n *node, keepID bool) {
	if parent := s.byPath[Parent(n.lower)]; parent != nil {
		delete(parent.children, Lower(Base(n.display)))
	}
	delete(s.byPath, n.lower)
	delete(s.byRev, n.rev)
	if !keepID {
		delete(s.byID, n.id)
	}
	n.superseded = true
	s.live--
}

// remove deletes n and everything under it; n's deletion is logged at seq.
// It returns the contents no longer referenced.
func (s *Store) remove(n *node, seq uint64) []Blob {
	var gone []Blob
	var walk func(m *node)
	walk = func(m *node) {
		for _, c := range m.children {
			walk(c)
		}
		delete(s.byPath, m.lower)
		delete(s.byID, m.id)
		delete(s.byRev, m.rev)
		delete(s.links, m.lower)
		if m.content != nil {
			gone = append(gone, m.content)
		}
		m.deleted = true
		if m != n {
			m.seq = 0 // the parent's deletion stands for it
			s.live--
		}
	}
	walk(n)
	if parent := s.byPath[Parent(n.lower)]; parent != nil {
		delete(parent.children, Lower(Base(n.display)))
	}
	s.live--
	s.record(n, seq)
	s.compactLog()
	return gone
}

// compactLog drops stale slots once they are most of the log.
func (s *Store) compactLog() {
	if len(s.log) < 1024 || s.live*2 > len(s.log) {
		return
	}
	kept := make([]logSlot, 0, s.live+s.live/2)
	for _, sl := range s.log {
		if !sl.stale() {
			kept = append(kept, sl)
		}
	}
	s.log = kept
	s.live = len(kept)
}

// errNotFound and friends are LookupError tags.
const (
	tagNotFound      = "not_found"
	tagMalformedPath = "malformed_path"
	tagNotFile       = "not_file"
	tagNotFolder     = "not_folder"
)

// resolve turns a client path into a plain path: "id:…" (optionally
// followed by "/rest") is replaced by the path of the node with that id.
// It returns a LookupError tag when that fails. Callers hold s.mu.
func (s *Store) resolve(p string) (string, string) {
	if !strings.HasPrefix(p, "id:") {
		return p, ""
	}
	id, rest, hasRest := strings.Cut(p, "/")
	n := s.byID[id]
	if n == nil || n.deleted {
		return "", tagNotFound
	}
	if !hasRest {
		return n.display, ""
	}
	if !n.folder {
		return "", tagNotFolder
	}
	return n.display + "/" + rest, ""
}

// lookup finds the node at a client path ("" is the root). It returns a
// LookupError tag when there is none. Callers hold s.mu.
func (s *Store) lookup(p string) (*node, string) {
	if strings.HasPrefix(p, "rev:") {
		if n := s.byRev[p[len("rev:"):]]; n != nil {
			return n, ""
		}
		return nil, tagNotFound
	}
	p, tag := s.resolve(p)
	if tag != "" {
		return nil, tag
	}
	if _, tag := s.splitPath(p); tag != "" {
		return nil, tag
	}
	n := s.byPath[Lower(p)]
	if n == nil {
		return nil, tagNotFound
	}
	return n, ""
}

// OpenFile opens the current version of the file at a client path (with
// rev, only if that is its revision: older versions are not kept) and
// returns its metadata, or a LookupError tag.
func (s *Store) OpenFile(p, rev string) (FileMetadata, contentReader, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, tag := s.lookup(p)
	switch {
	case tag != "":
	case n.folder:
		tag = tagNotFile
	case rev != "" && rev != n.rev:
		tag = tagNotFound // only the current version is kept
	}
	if tag != "" {
		return FileMetadata{}, nil, tag, nil
	}
	r, err := n.content.Open() // under the lock: the version cannot go away first
	return n.fileMeta(s.shown(n)), r, "", err
}

// Files returns every file, sorted by path.
func (s *Store) Files() []FileInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]FileInfo, 0, len(s.byPath))
	for _, n := range s.byPath {
		if !n.folder {
			out = append(out, n.info())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PathLower < out[j].PathLower })
	return out
}

// errNoFile is returned by file for a path that is not a file.
var errNoFile = errors.New("emulator: no such file")

// File returns a file's description and content.
func (s *Store) File(p string) (FileInfo, []byte, error) {
	s.mu.RLock()
	n := s.byPath[Lower(p)]
	var r contentReader
	var err error
	if n != nil && !n.folder {
		r, err = n.content.Open() // under the lock: the version cannot go away first
	}
	s.mu.RUnlock()
	if n == nil || n.folder {
		return FileInfo{}, nil, fmt.Errorf("%w: %s", errNoFile, p)
	}
	if err != nil {
		return FileInfo{}, nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.NewSectionReader(r, 0, n.size))
	return n.info(), data, err
}
