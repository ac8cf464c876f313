package store

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"
)

// Upload sessions. A sequential session receives its data in order and
// checks offsets (incorrect_offset carries the correct one). A concurrent
// session receives 4 MiB-aligned chunks in any order; the chunk sent with
// close: true is the last one and fixes the size. finish and
// finish_batch_v2 commit sessions.

// ConcurrentBlock is the unit of concurrent session chunks.
const ConcurrentBlock = 4 << 20

// MaxBatch is the most entries finish_batch_v2 and sessions start_batch
// accept.
const MaxBatch = 1000

// EmptyHash is the content hash of no data.
const EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Session is one upload session. Its exported fields are read and changed
// under Mu.
type Session struct {
	Mu         sync.Mutex
	Concurrent bool
	Closed     bool
	Busy       bool // being committed
	Committed  bool
	size       int64 // sequential: bytes so far; concurrent: the size, once closed

	pieces [][]byte           // memory, sequential
	chunks map[int64][]byte   // memory, concurrent: offset → data
	blocks map[int64][]Digest // concurrent: offset → the chunk's block digests
	ranges map[int64]int64    // disk, concurrent: offset → length
	fileID string             // disk: tmp/<fileID> holds the data
	hasher *Hasher            // sequential

	Content Blob // once assembled (kept if the commit fails)
	Hash    string

	started time.Time // for Sessions' lifetime
}

// Sessions are the open upload sessions, by id.
type Sessions struct {
	blobs *BlobStore
	mu    sync.Mutex
	m     map[string]*Session
	ttl   time.Duration    // 0: sessions never expire (SetLifetime)
	now   func() time.Time // the clock of ttl
}

// NewSessions returns an empty set of sessions whose data goes to bs.
func NewSessions(bs *BlobStore) *Sessions {
	return &Sessions{blobs: bs, m: map[string]*Session{}, now: time.Now}
}

// NewSessionID returns an id like Dropbox's "pid_upload_session:ABC…",
// 69 characters long as real ones are (files.stone's example
// "pid_upload_session:h-NtwvAdw3XDqqHmb0J2t0XfIaSnQw2Eor59pfZI9D_ZGNJ4Ew",
// and the id in the answer quoted by ShareX/ShareX#8415), so that the
// headers of append_batch, which carry one id per entry, have their real
// size.
func NewSessionID() string {
	var b [40]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	return "pid_upload_session:" + base64.RawURLEncoding.EncodeToString(b[:])[:50]
}

// Start opens a session and returns its id.
func (ss *Sessions) Start(concurrent bool) (string, *Session) {
	sess := &Session{Concurrent: concurrent}
	if concurrent {
		sess.chunks, sess.ranges, sess.blocks = map[int64][]byte{}, map[int64]int64{}, map[int64][]Digest{}
	} else {
		sess.hasher = NewHasher()
	}
	id := NewSessionID()
	ss.mu.Lock()
	sess.started = ss.now()
	ss.m[id] = sess
	ss.mu.Unlock()
	return id, sess
}

// Get returns the session of an id, or nil (unknown, or expired).
func (ss *Sessions) Get(id string) *Session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.m[id]
	if sess != nil && ss.ttl > 0 && ss.now().Sub(sess.started) >= ss.ttl {
		delete(ss.m, id) // expired: not_found from now on, as on Dropbox
		return nil
	}
	return sess
}

// CloseAll forgets sessions; their temporary files go with the data
// directory's tmp/ at the next start.
func (ss *Sessions) CloseAll() {
	ss.mu.Lock()
	clear(ss.m)
	ss.mu.Unlock()
}

// write stores data at off. Callers hold sess.mu.
func (ss *Sessions) write(sess *Session, off int64, data []byte) error {
	return ss.writeHashed(sess, off, data, nil)
}

// writeHashed stores data at off with its block digests, when the caller
// has them (nil otherwise). Callers hold sess.mu.
func (ss *Sessions) writeHashed(sess *Session, off int64, data []byte, digests []Digest) error {
	if sess.Concurrent {
		if digests != nil {
			sess.blocks[off] = digests
		} else {
			delete(sess.blocks, off)
		}
	}
	if ss.blobs.Memory() {
		if sess.Concurrent {
			sess.chunks[off] = data
		} else {
			sess.pieces = append(sess.pieces, data)
		}
		return nil
	}
	if sess.fileID == "" {
		f, id, err := ss.blobs.Create()
		if err != nil {
			return err
		}
		f.Close()
		sess.fileID = id
	}
	if len(data) == 0 {
		return nil
	}
	f, err := os.OpenFile(ss.blobs.TmpPath(sess.fileID), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if sess.Concurrent {
		sess.ranges[off] = int64(len(data))
	}
	return err
}

// AppendData adds data at off, with Dropbox's checks. It returns an
// UploadSessionAppendError (or a lookup error in the same shape).
func (ss *Sessions) AppendData(sess *Session, off int64, data []byte, close bool) (*Union, error) {
	return ss.AppendHashed(sess, off, data, nil, close)
}

// AppendHashed is appendData with the data's block digests (or nil).
func (ss *Sessions) AppendHashed(sess *Session, off int64, data []byte, digests []Digest, close bool) (*Union, error) {
	n := int64(len(data))
	switch {
	case sess.Committed || sess.Busy:
		return WriteErr("closed"), nil
	case !sess.Concurrent && sess.Closed:
		return WriteErr("closed"), nil
	case !sess.Concurrent && off != sess.size:
		return WriteErr("incorrect_offset", "correct_offset", sess.size), nil
	case sess.Concurrent && off%ConcurrentBlock != 0:
		return WriteErr("concurrent_session_invalid_offset"), nil
	case sess.Concurrent && !close && n%ConcurrentBlock != 0:
		return WriteErr("concurrent_session_invalid_data_size"), nil
	case sess.Concurrent && sess.Closed:
		// files.stone, UploadSessionAppendArg.close: once closed, "you
		// won't be able to call upload_session/append:2 anymore with the
		// current session" (UploadSessionAppendError.closed); a re-sent
		// chunk of a closed concurrent session is refused too.
		return WriteErr("closed"), nil
	}
	if err := ss.writeHashed(sess, off, data, digests); err != nil {
		return nil, err
	}
	if sess.Concurrent {
		if close {
			sess.Closed, sess.size = true, off+n
		}
		return nil, nil
	}
	_, _ = sess.hasher.Write(data)
	sess.size += n
	sess.Closed = close
	return nil, nil
}

// assemble checks that a session holds all its data and returns it as a
// blob with its content hash. Callers hold sess.mu.
func (ss *Sessions) assemble(sess *Session) (Blob, string, *Union, error) {
	if sess.Content != nil {
		return sess.Content, sess.Hash, nil, nil
	}
	var pieces [][]byte
	if sess.Concurrent {
		offsets := make([]int64, 0, len(sess.chunks)+len(sess.ranges))
		lengths := map[int64]int64{}
		for off, d := range sess.chunks {
			offsets, lengths[off] = append(offsets, off), int64(len(d))
		}
		for off, l := range sess.ranges {
			offsets, lengths[off] = append(offsets, off), l
		}
		sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
		next := int64(0)
		for _, off := range offsets {
			if off != next {
				break
			}
			next += lengths[off]
			if d, ok := sess.chunks[off]; ok {
				pieces = append(pieces, d)
			}
		}
		if next != sess.size {
			return nil, "", WriteErr("concurrent_session_missing_data"), nil
		}
	} else {
		pieces = sess.pieces
	}

	if ss.blobs.Memory() {
		b := newMemBlob(pieces...)
		hash := ""
		if sess.Concurrent {
			hash = sess.joinedHash(offsetsOf(sess.chunks))
			if hash == "" {
				h := NewHasher()
				for _, p := range b.pieces {
					_, _ = h.Write(p)
				}
				hash = h.HexDigest()
			}
		} else {
			hash = sess.hasher.HexDigest()
		}
		sess.Content, sess.Hash, sess.pieces, sess.chunks = b, hash, nil, nil
		return b, hash, nil, nil
	}

	if sess.fileID == "" {
		if err := ss.write(sess, 0, nil); err != nil {
			return nil, "", nil, err
		}
	}
	hash := ""
	if sess.Concurrent {
		f, err := os.Open(ss.blobs.TmpPath(sess.fileID))
		if err != nil {
			return nil, "", nil, err
		}
		h := NewHasher()
		_, err = io.Copy(h, io.NewSectionReader(f, 0, sess.size))
		f.Close()
		if err != nil {
			return nil, "", nil, err
		}
		hash = h.HexDigest()
	} else {
		hash = sess.hasher.HexDigest()
	}
	if err := os.Truncate(ss.blobs.TmpPath(sess.fileID), sess.size); err != nil {
		return nil, "", nil, err
	}
	fb, err := ss.blobs.Publish(sess.fileID, sess.size)
	if err != nil {
		return nil, "", nil, err
	}
	sess.Content, sess.Hash = fb, hash
	return fb, hash, nil, nil
}

// LookupErr wraps an UploadSessionLookupError tag for finish.
func LookupErr(e *Union) Union { return U("lookup_failed", "lookup_failed", *e) }

// Prepare takes a session (locked by the caller) to the point of commit:
// the finish data appended, every check made, the content assembled. It
// returns an UploadSessionFinishError when the session cannot be
// committed.
func (ss *Sessions) Prepare(sess *Session, off int64, data []byte, dataHash, wantHash string) (*Union, error) {
	switch {
	case sess.Committed || sess.Busy:
		e := LookupErr(WriteErr("closed"))
		return &e, nil
	case sess.Concurrent && len(data) > 0:
		return WriteErr("concurrent_session_data_not_allowed"), nil
	case sess.Concurrent && !sess.Closed:
		return WriteErr("concurrent_session_not_closed"), nil
	case off != sess.size:
		e := LookupErr(WriteErr("incorrect_offset", "correct_offset", sess.size))
		return &e, nil
	case len(data) > 0 && sess.Closed:
		e := LookupErr(WriteErr("closed"))
		return &e, nil
	case wantHash != "" && wantHash != dataHash:
		// As Dropbox documents it, content_hash is the hash of the data
		// sent in this call: the empty hash when a finish carries none.
		return WriteErr("content_hash_mismatch"), nil
	}
	if len(data) > 0 {
		if _, err := ss.AppendData(sess, off, data, true); err != nil {
			return nil, err
		}
	}
	_, _, e, err := ss.assemble(sess)
	return e, err
}

// Finished marks a committed session; its data now belongs to the file.
// Callers hold sess.mu.
func (ss *Sessions) Finished(sess *Session) {
	sess.Committed = true
	sess.Content, sess.pieces, sess.chunks, sess.ranges, sess.hasher, sess.blocks = nil, nil, nil, nil, nil, nil
}

// joinedHash returns the content hash of a concurrent session from its
// chunks' block digests (chunks at the given offsets, in order), or "" if a
// chunk came without them. Non-final chunks are whole 4 MiB blocks, so the
// blocks of the chunks are the blocks of the file.
func (sess *Session) joinedHash(offsets []int64) string {
	var all []Digest
	for _, off := range offsets {
		b, ok := sess.blocks[off]
		if !ok {
			return ""
		}
		all = append(all, b...)
	}
	return JoinDigests(all)
}

func offsetsOf(chunks map[int64][]byte) []int64 {
	out := make([]int64, 0, len(chunks))
	for off := range chunks {
		out = append(out, off)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
