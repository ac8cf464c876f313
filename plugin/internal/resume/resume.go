// Package resume keeps the state of large uploads on disk, so that a run
// killed in the middle of a large file continues its upload session later
// instead of sending the file again.
//
// A large file goes up in a concurrent upload session: 8 MiB chunks, four
// at a time, in any order, the chunk that closes the session last. Its
// state is therefore the session id plus the set of chunks Dropbox has
// acknowledged (with their 4 MiB block digests, which the next run
// compares with those chunks read back from the file: the state is a hint,
// never trusted), and whether the closing chunk was acknowledged. With the file's size, modification time
// and path, and the destination, this is one small JSON file per upload,
// written atomically (temporary file, fsync, rename; mode 0600) after each
// acknowledged chunk, in the background (writes coalesce when chunks are
// acknowledged faster than the disk syncs): a run killed at any moment
// re-sends at most the chunks that were not acknowledged, plus those
// acknowledged during the last few milliseconds, not yet written down
// (one chunk, in practice: four are in flight, 8 MiB each). Each write holds all the
// digests so far, 44 bytes of base64 per 4 MiB: 11 KB for a 1 GiB file.
//
// Dropbox forgets an upload session 7 days after it was started; state
// older than that is dropped when a Store is opened, and state is removed
// once its file is committed, or found unchanged on Dropbox.
//
// The store's folder may be a study's .dropbox-post/uploads, which comes
// with the study: every read and write goes through a statedir.Folder
// (no links followed, regular files only), and a state file is read only
// up to MaxStateSize.
package resume

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// MaxAge is how long Dropbox keeps an upload session: state older than
// this is useless and dropped.
const MaxAge = 7 * 24 * time.Hour

// version is the version of the state file format.
const version = 1

// MaxStateSize is the most a state file may hold: the state of a file of
// 350 GB, the most an upload session takes, is under 4 MB. A larger one
// is not read, and dropped.
const MaxStateSize = 8 << 20

// Store is a folder of upload states, one file per destination path.
type Store struct {
	dir *statedir.Folder
	now func() time.Time
}

// Open returns the store in dir and drops the states there that are older
// than MaxAge or cannot be read. The folder is made (mode 0700) when the
// first state is written, not before: a run that sends no large file
// leaves nothing behind.
func Open(dir *statedir.Folder) *Store {
	s := &Store{dir: dir, now: time.Now}
	s.clean()
	return s
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir.Path() }

// clean removes stale and unreadable states, and temporaries left by a
// write that was killed.
func (s *Store) clean() {
	ents, _ := s.dir.Entries()
	for _, e := range ents {
		if base, ok := strings.CutPrefix(e.Name(), "."); ok && e.Type().IsRegular() {
			// a temporary left by a killed write (atomicfile's ".NAME.tmp-*")
			if name, _, found := strings.Cut(base, ".tmp-"); found && ours(name) {
				if info, err := s.dir.Lstat(e.Name()); err == nil && s.now().Sub(info.ModTime()) > time.Hour {
					s.dir.Remove(e.Name())
				}
			}
			continue
		}
		if !ours(e.Name()) {
			continue // only files this package names are ever removed
		}
		if u, err := s.read(e.Name()); err != nil || s.now().Sub(u.Started) > MaxAge {
			s.dir.Remove(e.Name()) // a link among them: the link, never what it points to
		}
	}
}

// Upload is the state of one large file's upload session.
type Upload struct {
	Version   int              `json:"version"`
	Dest      string           `json:"dest"`       // Dropbox path
	Local     string           `json:"local"`      // local path
	Size      int64            `json:"size"`       // the file's size when the session started
	ModTime   time.Time        `json:"mtime"`      // and its modification time
	SessionID string           `json:"session_id"` // the concurrent upload session
	Started   time.Time        `json:"started"`    // when the session was started
	ChunkSize int64            `json:"chunk_size"`
	Chunks    map[int64][]byte `json:"chunks"` // acknowledged chunk index → its block digests, concatenated
	Closed    bool             `json:"closed"` // the closing chunk was acknowledged

	mu      sync.Mutex
	cond    *sync.Cond // saving ended
	dirty   bool       // recorded, not yet being written
	saving  bool       // a saver runs
	saveErr error
	store   *Store
}

// ours reports whether name is a state file's name (see Store.name).
func ours(name string) bool {
	h, ok := strings.CutSuffix(name, ".json")
	if !ok || len(h) != 24 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

// name is the state file of dest: a hash of its lower-case form, so that
// any Dropbox path gives a short, safe file name.
func name(dest string) string {
	h := sha256.Sum256([]byte(dpath.Key(dest)))
	return hex.EncodeToString(h[:12]) + ".json"
}

// read reads the state file name: a regular file, not a link, of at most
// MaxStateSize bytes, holding a state of this version.
func (s *Store) read(name string) (*Upload, error) {
	data, err := s.dir.ReadFile(name, MaxStateSize)
	if err != nil {
		return nil, err
	}
	var u Upload
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, err
	}
	if u.Version != version || u.SessionID == "" || u.ChunkSize <= 0 || u.Size < 0 {
		return nil, errors.New("not an upload state of this version")
	}
	for i, d := range u.Chunks {
		if i < 0 || len(d) == 0 || len(d)%sha256.Size != 0 {
			return nil, errors.New("bad chunk in upload state")
		}
	}
	return &u, nil
}

// Load returns the state of the upload to dest, or nil if there is none
// (or it cannot be read, or it is stale: then it is removed).
func (s *Store) Load(dest string) *Upload {
	p := name(dest)
	u, err := s.read(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.dir.Remove(p)
		}
		return nil
	}
	if s.now().Sub(u.Started) > MaxAge || dpath.Key(u.Dest) != dpath.Key(dest) {
		s.dir.Remove(p)
		return nil
	}
	u.store = s
	if u.Chunks == nil {
		u.Chunks = map[int64][]byte{}
	}
	return u
}

// Begin records a new session for the file at local (size, mtime) going
// to dest, replacing any state dest had.
func (s *Store) Begin(dest, local string, size int64, mtime time.Time, session string, chunkSize int64) (*Upload, error) {
	u := &Upload{
		Version: version, Dest: dest, Local: local, Size: size, ModTime: mtime,
		SessionID: session, Started: s.now().UTC(), ChunkSize: chunkSize,
		Chunks: map[int64][]byte{}, store: s,
	}
	return u, u.save()
}

// Remove drops the state of the upload to dest, if any, with the
// temporaries that killed writes of it left.
func (s *Store) Remove(dest string) {
	p := name(dest)
	s.dir.Remove(p)
	ents, _ := s.dir.Entries()
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+p+".tmp-") {
			s.dir.Remove(e.Name())
		}
	}
}

// Stale says why the state u cannot continue for the file at local with
// this size and modification time and chunk size ("" if it can).
func (u *Upload) Stale(local string, size int64, mtime time.Time, chunkSize int64) string {
	switch {
	case u.Local != local:
		return fmt.Sprintf("the interrupted upload came from another local file (%q)", u.Local)
	case u.Size != size || !u.ModTime.Equal(mtime):
		return "the file changed since the interrupted upload (size or modification time)"
	case u.ChunkSize != chunkSize:
		return "the interrupted upload used another chunk size"
	}
	return ""
}

// Acked reports whether chunk i was acknowledged, with its block digests.
func (u *Upload) Acked(i int64) ([]blocks.Digest, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	d, ok := u.Chunks[i]
	if !ok {
		return nil, false
	}
	out := make([]blocks.Digest, len(d)/sha256.Size)
	for k := range out {
		copy(out[k][:], d[k*sha256.Size:])
	}
	return out, true
}

// Count returns the number of acknowledged chunks.
func (u *Upload) Count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.Chunks)
}

// Ack records that Dropbox acknowledged chunk i, whose blocks have the
// digests ds (close: it was the closing chunk), and writes the state down
// before it returns.
func (u *Upload) Ack(i int64, ds []blocks.Digest, close bool) error {
	u.Record(i, ds, close)
	return u.Flush()
}

// Record is Ack that does not wait: the state is written down in the
// background, each write holding everything recorded until then, so that
// the sender of the next chunk does not wait for the disk. Flush waits.
func (u *Upload) Record(i int64, ds []blocks.Digest, close bool) {
	d := make([]byte, 0, len(ds)*sha256.Size)
	for _, x := range ds {
		d = append(d, x[:]...)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.Chunks[i] = d
	u.Closed = u.Closed || close
	u.dirty = true
	if !u.saving {
		u.saving = true
		go u.saver()
	}
}

// saver writes the state until nothing new was recorded during a write.
func (u *Upload) saver() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for u.dirty {
		u.dirty = false
		data, err := json.Marshal(u)
		u.mu.Unlock()
		if err == nil {
			err = u.store.write(u.Dest, data)
		}
		u.mu.Lock()
		if err != nil {
			u.saveErr = err
		}
	}
	u.saving = false
	u.idle().Broadcast()
}

func (u *Upload) idle() *sync.Cond {
	if u.cond == nil {
		u.cond = sync.NewCond(&u.mu)
	}
	return u.cond
}

// Flush waits until everything recorded is written down, and returns the
// first write error, if any.
func (u *Upload) Flush() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for u.saving || u.dirty {
		u.idle().Wait()
	}
	return u.saveErr
}

func (u *Upload) save() error {
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return u.store.write(u.Dest, data)
}

// write writes the state of the upload to dest, atomically, mode 0600.
func (s *Store) write(dest string, data []byte) error {
	return s.dir.WriteFile(name(dest), data, 0o600, true)
}

// Indexes returns the acknowledged chunk indexes, in order (for logs and
// tests).
func (u *Upload) Indexes() []int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]int64, 0, len(u.Chunks))
	for i := range u.Chunks {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}
