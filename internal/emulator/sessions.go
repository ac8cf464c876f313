package emulator

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Upload sessions. A sequential session receives its data in order and
// checks offsets (incorrect_offset carries the correct one). A concurrent
// session receives 4 MiB-aligned chunks in any order; the chunk sent with
// close: true is the last one and fixes the size. finish and
// finish_batch_v2 commit sessions.

// concurrentBlock is the unit of concurrent session chunks.
const concurrentBlock = 4 << 20

// maxBatch is the most entries finish_batch_v2 and sessions start_batch
// accept.
const maxBatch = 1000

// emptyHash is the content hash of no data.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

type session struct {
	mu         sync.Mutex
	concurrent bool
	closed     bool
	busy       bool // being committed
	committed  bool
	size       int64 // sequential: bytes so far; concurrent: the size, once closed

	pieces [][]byte                 // memory, sequential
	chunks map[int64][]byte         // memory, concurrent: offset → data
	blocks map[int64][]store.Digest // concurrent: offset → the chunk's block digests
	ranges map[int64]int64          // disk, concurrent: offset → length
	fileID string                   // disk: tmp/<fileID> holds the data
	hasher *contenthash.Hasher      // sequential

	content blob // once assembled (kept if the commit fails)
	hash    string
}

type sessions struct {
	blobs *blobStore
	mu    sync.Mutex
	m     map[string]*session
}

func newSessions(bs *blobStore) *sessions {
	return &sessions{blobs: bs, m: map[string]*session{}}
}

// newSessionID returns an id like Dropbox's "pid_upload_session:ABC…".
func newSessionID() string {
	var b [18]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	binary.LittleEndian.PutUint16(b[16:], uint16(rand.Uint32()))
	return "pid_upload_session:" + base64.RawURLEncoding.EncodeToString(b[:])
}

func (ss *sessions) start(concurrent bool) (string, *session) {
	sess := &session{concurrent: concurrent}
	if concurrent {
		sess.chunks, sess.ranges, sess.blocks = map[int64][]byte{}, map[int64]int64{}, map[int64][]store.Digest{}
	} else {
		sess.hasher = contenthash.New()
	}
	id := newSessionID()
	ss.mu.Lock()
	ss.m[id] = sess
	ss.mu.Unlock()
	return id, sess
}

func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.m[id]
}

// closeAll forgets sessions; their temporary files go with the data
// directory's tmp/ at the next start.
func (ss *sessions) closeAll() {
	ss.mu.Lock()
	clear(ss.m)
	ss.mu.Unlock()
}

// write stores data at off. Callers hold sess.mu.
func (ss *sessions) write(sess *session, off int64, data []byte) error {
	return ss.writeHashed(sess, off, data, nil)
}

// writeHashed stores data at off with its block digests, when the caller
// has them (nil otherwise). Callers hold sess.mu.
func (ss *sessions) writeHashed(sess *session, off int64, data []byte, digests []store.Digest) error {
	if sess.concurrent {
		if digests != nil {
			sess.blocks[off] = digests
		} else {
			delete(sess.blocks, off)
		}
	}
	if ss.blobs.memory() {
		if sess.concurrent {
			sess.chunks[off] = data
		} else {
			sess.pieces = append(sess.pieces, data)
		}
		return nil
	}
	if sess.fileID == "" {
		f, id, err := ss.blobs.create()
		if err != nil {
			return err
		}
		f.Close()
		sess.fileID = id
	}
	if len(data) == 0 {
		return nil
	}
	f, err := os.OpenFile(ss.blobs.tmpPath(sess.fileID), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if sess.concurrent {
		sess.ranges[off] = int64(len(data))
	}
	return err
}

// appendData adds data at off, with Dropbox's checks. It returns an
// UploadSessionAppendError (or a lookup error in the same shape).
func (ss *sessions) appendData(sess *session, off int64, data []byte, close bool) (*union, error) {
	return ss.appendHashed(sess, off, data, nil, close)
}

// appendHashed is appendData with the data's block digests (or nil).
func (ss *sessions) appendHashed(sess *session, off int64, data []byte, digests []store.Digest, close bool) (*union, error) {
	n := int64(len(data))
	switch {
	case sess.committed || sess.busy:
		return writeErr("closed"), nil
	case !sess.concurrent && sess.closed:
		return writeErr("closed"), nil
	case !sess.concurrent && off != sess.size:
		return writeErr("incorrect_offset", "correct_offset", sess.size), nil
	case sess.concurrent && off%concurrentBlock != 0:
		return writeErr("concurrent_session_invalid_offset"), nil
	case sess.concurrent && !close && n%concurrentBlock != 0:
		return writeErr("concurrent_session_invalid_data_size"), nil
	case sess.concurrent && sess.closed && (off >= sess.size || (close && off+n != sess.size)):
		return writeErr("closed"), nil
	}
	if err := ss.writeHashed(sess, off, data, digests); err != nil {
		return nil, err
	}
	if sess.concurrent {
		if close {
			sess.closed, sess.size = true, off+n
		}
		return nil, nil
	}
	_, _ = sess.hasher.Write(data)
	sess.size += n
	sess.closed = close
	return nil, nil
}

// assemble checks that a session holds all its data and returns it as a
// blob with its content hash. Callers hold sess.mu.
func (ss *sessions) assemble(sess *session) (blob, string, *union, error) {
	if sess.content != nil {
		return sess.content, sess.hash, nil, nil
	}
	var pieces [][]byte
	if sess.concurrent {
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
			return nil, "", writeErr("concurrent_session_missing_data"), nil
		}
	} else {
		pieces = sess.pieces
	}

	if ss.blobs.memory() {
		b := newMemBlob(pieces...)
		hash := ""
		if sess.concurrent {
			hash = sess.joinedHash(offsetsOf(sess.chunks))
			if hash == "" {
				h := contenthash.New()
				for _, p := range b.pieces {
					_, _ = h.Write(p)
				}
				hash = h.HexDigest()
			}
		} else {
			hash = sess.hasher.HexDigest()
		}
		sess.content, sess.hash, sess.pieces, sess.chunks = b, hash, nil, nil
		return b, hash, nil, nil
	}

	if sess.fileID == "" {
		if err := ss.write(sess, 0, nil); err != nil {
			return nil, "", nil, err
		}
	}
	hash := ""
	if sess.concurrent {
		f, err := os.Open(ss.blobs.tmpPath(sess.fileID))
		if err != nil {
			return nil, "", nil, err
		}
		h := contenthash.New()
		_, err = io.Copy(h, io.NewSectionReader(f, 0, sess.size))
		f.Close()
		if err != nil {
			return nil, "", nil, err
		}
		hash = h.HexDigest()
	} else {
		hash = sess.hasher.HexDigest()
	}
	if err := os.Truncate(ss.blobs.tmpPath(sess.fileID), sess.size); err != nil {
		return nil, "", nil, err
	}
	fb, err := ss.blobs.publish(sess.fileID, sess.size)
	if err != nil {
		return nil, "", nil, err
	}
	sess.content, sess.hash = fb, hash
	return fb, hash, nil, nil
}

// lookupErr wraps an UploadSessionLookupError tag for finish.
func lookupErr(e *union) union { return u("lookup_failed", "lookup_failed", *e) }

// prepare takes a session (locked by the caller) to the point of commit:
// the finish data appended, every check made, the content assembled. It
// returns an UploadSessionFinishError when the session cannot be
// committed.
func (ss *sessions) prepare(sess *session, off int64, data []byte, dataHash, wantHash string) (*union, error) {
	switch {
	case sess.committed || sess.busy:
		e := lookupErr(writeErr("closed"))
		return &e, nil
	case sess.concurrent && len(data) > 0:
		return writeErr("concurrent_session_data_not_allowed"), nil
	case sess.concurrent && !sess.closed:
		return writeErr("concurrent_session_not_closed"), nil
	case off != sess.size:
		e := lookupErr(writeErr("incorrect_offset", "correct_offset", sess.size))
		return &e, nil
	case len(data) > 0 && sess.closed:
		e := lookupErr(writeErr("closed"))
		return &e, nil
	case wantHash != "" && wantHash != dataHash:
		// As Dropbox documents it, content_hash is the hash of the data
		// sent in this call: the empty hash when a finish carries none.
		return writeErr("content_hash_mismatch"), nil
	}
	if len(data) > 0 {
		if _, err := ss.appendData(sess, off, data, true); err != nil {
			return nil, err
		}
	}
	_, _, e, err := ss.assemble(sess)
	return e, err
}

// finished marks a committed session; its data now belongs to the file.
// Callers hold sess.mu.
func (ss *sessions) finished(sess *session) {
	sess.committed = true
	sess.content, sess.pieces, sess.chunks, sess.ranges, sess.hasher, sess.blocks = nil, nil, nil, nil, nil, nil
}

// joinedHash returns the content hash of a concurrent session from its
// chunks' block digests (chunks at the given offsets, in order), or "" if a
// chunk came without them. Non-final chunks are whole 4 MiB blocks, so the
// blocks of the chunks are the blocks of the file.
func (sess *session) joinedHash(offsets []int64) string {
	var all []store.Digest
	for _, off := range offsets {
		b, ok := sess.blocks[off]
		if !ok {
			return ""
		}
		all = append(all, b...)
	}
	return store.JoinDigests(all)
}

func offsetsOf(chunks map[int64][]byte) []int64 {
	out := make([]int64, 0, len(chunks))
	for off := range chunks {
		out = append(out, off)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
