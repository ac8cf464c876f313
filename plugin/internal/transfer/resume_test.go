package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

const resumeDest = "/r/model.bin"

// content is 3 chunks and a bit (the closing chunk is short), made from seed.
func content(seed byte) []byte {
	data := make([]byte, 3*ChunkSize+12345)
	rand.NewChaCha8([32]byte{seed}).Read(data)
	return data
}

// uploadOne uploads the file at path to resumeDest with store st.
func uploadOne(t *testing.T, c *dbx.Client, path string, st *resume.Store) Result {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &local.File{Rel: filepath.Base(path), Path: path, Size: info.Size(), ModTime: info.ModTime()}
	p := &plan.Plan{Dest: "/r", Items: []*plan.Item{{File: f, Dest: resumeDest, Action: plan.Upload}}}
	res, _, err := Upload(context.Background(), c, p, Options{Resume: st})
	if err != nil || len(res) != 1 {
		t.Fatalf("upload: %v %+v", err, res)
	}
	return res[0]
}

// holds checks that Dropbox holds exactly want at resumeDest.
func holds(t *testing.T, srv *emulator.Server, want []byte) {
	t.Helper()
	_, got, err := srv.File(resumeDest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Dropbox holds %d bytes (content hash %.12s…) that are not the local file's %d (%.12s…)",
			len(got), blocks.Hash(got), len(want), blocks.Hash(want))
	}
}

// A file rewritten in place after a kill, with the same size and
// modification time (cp -p, rsync -t and tar x leave that), lands exactly:
// the acknowledged chunks are read back and do not match the state.
func TestResumeRewrittenInPlace(t *testing.T) {
	srv, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	old, now := content(1), content(2)
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	st := resume.Open(statedir.At(filepath.Join(t.TempDir(), "uploads"), 0o700))
	session := emutest.Interrupted(t, c, old, ChunkSize, 0, 2)
	u, err := st.Begin(resumeDest, path, info.Size(), info.ModTime(), session, ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 2} {
		if err := u.Ack(i, blocks.Digests(emutest.Chunk(old, ChunkSize, i)), false); err != nil {
			t.Fatal(err)
		}
	}
	// cp -p: new content, the same size and modification time
	if err := os.WriteFile(path, now, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}

	r := uploadOne(t, c, path, st)
	if r.Err != nil {
		t.Fatalf("upload failed: %v", r.Err)
	}
	holds(t, srv, now)
	if !strings.HasPrefix(r.Resume, "started over: the file's content differs from what the interrupted upload sent (chunk 1 of 4)") {
		t.Errorf("the result does not say why the file started over: %q", r.Resume)
	}
	if st.Load(resumeDest) != nil {
		t.Error("upload state left after the commit")
	}
}

// forge writes a state file into dir as a hand would: the name the store
// gives resumeDest, any content.
func forge(t *testing.T, dir string, state map[string]any) {
	t.Helper()
	data, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte(resumeDest))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(h[:12])+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func concat(ds []blocks.Digest) []byte {
	var out []byte
	for _, d := range ds {
		out = append(out, d[:]...)
	}
	return out
}

// A forged state file can never make Dropbox end up with bytes other than
// the local file's, nor a failure dressed as success.
func TestResumeForgedState(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  func(data, other []byte, i int64) []byte // the digests the forged state claims for chunk i
		note string                                   // the start of the result's note
	}{
		{"digests of nothing", func(_, _ []byte, i int64) []byte { return make([]byte, 32*2) },
			"started over: the file's content differs"},
		{"digests of the bytes in the session", func(_, other []byte, i int64) []byte {
			return concat(blocks.Digests(emutest.Chunk(other, ChunkSize, i)))
		},
			"started over: the file's content differs"},
		// Digests of the local file itself, with a session of the same
		// account that holds other bytes: the reading back passes; the
		// commit's content hash check catches it, and the file is sent
		// again whole in the same upload.
		{"digests of the local file", func(data, _ []byte, i int64) []byte { return concat(blocks.Digests(emutest.Chunk(data, ChunkSize, i))) },
			"resumed: 2 of 4 chunks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
			data, other := content(3), content(4)
			path := filepath.Join(t.TempDir(), "model.bin")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			info, _ := os.Stat(path)
			dir := filepath.Join(t.TempDir(), "uploads")
			session := emutest.Interrupted(t, c, other, ChunkSize, 0, 2)
			forge(t, dir, map[string]any{
				"version": 1, "dest": resumeDest, "local": path, "size": info.Size(), "mtime": info.ModTime(),
				"session_id": session, "started": time.Now().UTC(), "chunk_size": ChunkSize,
				"chunks": map[string][]byte{"0": tc.ack(data, other, 0), "2": tc.ack(data, other, 2)},
			})
			st := resume.Open(statedir.At(dir, 0o700))
			r := uploadOne(t, c, path, st)
			if r.Err != nil {
				t.Fatalf("upload failed: %v", r.Err)
			}
			holds(t, srv, data)
			if !strings.HasPrefix(r.Resume, tc.note) {
				t.Errorf("note %q, want %q…", r.Resume, tc.note)
			}
		})
	}
}
