package push

import (
	"context"
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
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

const appendRoute = "files/upload_session/append_v2"

// bigFile is 3 chunks and a bit: the closing chunk is short.
func bigFile() []byte {
	data := make([]byte, 3*transfer.ChunkSize+12345)
	r := rand.NewChaCha8([32]byte{7})
	r.Read(data)
	return data
}

// interrupted opens a concurrent session, sends the chunks acked to it as
// a killed run would have, and writes the state that run left.
func interrupted(t *testing.T, c *dbx.Client, st *resume.Store, local, dest string, data []byte, acked ...int64) string {
	t.Helper()
	session := emutest.Interrupted(t, c, data, transfer.ChunkSize, acked...)
	info := statOf(t, local)
	u, err := st.Begin(dest, local, info.size, info.mtime, session, transfer.ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range acked {
		if err := u.Ack(i, blocks.Digests(emutest.Chunk(data, transfer.ChunkSize, i)), false); err != nil {
			t.Fatal(err)
		}
	}
	return session
}

func TestResumeSendsOnlyWhatIsMissing(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	data := bigFile()
	root := study(t, map[string][]byte{"model.bin": data, "small.csv": []byte("a,b\n")})
	local := filepath.Join(root, "model.bin")
	st := resume.Open(statedir.At(filepath.Join(t.TempDir(), "uploads"), 0o700))
	interrupted(t, c, st, local, "/r/model.bin", data, 0, 2)
	srv.ResetStats()

	o := Options{Local: root, Dest: "/r", Transfer: transfer.Options{Resume: st}}
	sum, err := Run(context.Background(), c, o)
	if err != nil || sum.Failed != 0 {
		t.Fatalf("push: %v %+v", err, sum)
	}
	checkRemote(t, srv, "/r", map[string][]byte{"model.bin": data, "small.csv": []byte("a,b\n")})
	// chunks 1 and 3 (the short closing one) only
	if got, want := srv.Stats().Routes[appendRoute].BytesReceived, int64(len(data))-2*transfer.ChunkSize; got != want {
		t.Errorf("sent %d bytes of chunks, want the %d not acknowledged", got, want)
	}
	if len(sum.Resumed) != 1 || sum.Resumed[0].Reason != "resumed: 2 of 4 chunks were already on Dropbox" {
		t.Errorf("summary: %+v", sum.Resumed)
	}
	if st.Load("/r/model.bin") != nil {
		t.Error("the state is still there after the commit")
	}
}

func TestResumeStartsOverWhenDropboxForgot(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	data := bigFile()
	root := study(t, map[string][]byte{"model.bin": data})
	local := filepath.Join(root, "model.bin")
	st := resume.Open(statedir.At(filepath.Join(t.TempDir(), "uploads"), 0o700))
	interrupted(t, c, st, local, "/r/model.bin", data, 0)
	// Dropbox forgets the session: a state naming a session it never had.
	u := st.Load("/r/model.bin")
	info := statOf(t, local)
	u2, _ := st.Begin("/r/model.bin", local, info.size, info.mtime, "pid_upload_session:gone", transfer.ChunkSize)
	ds, _ := u.Acked(0)
	u2.Ack(0, ds, false)
	srv.ResetStats()

	sum, err := Run(context.Background(), c, Options{Local: local, Dest: "/r", Transfer: transfer.Options{Resume: st}})
	if err != nil || sum.Failed != 0 {
		t.Fatalf("push: %v %+v", err, sum)
	}
	checkRemote(t, srv, "/r", map[string][]byte{"model.bin": data})
	if len(sum.Resumed) != 1 || !strings.Contains(sum.Resumed[0].Reason, "started over: Dropbox no longer knows") {
		t.Errorf("summary: %+v", sum.Resumed)
	}
}

// A state left by a run killed after its commit is dropped by the next run,
// which finds the file unchanged.
func TestResumeStateOfUnchangedFileDropped(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	data := bigFile()
	root := study(t, map[string][]byte{"model.bin": data})
	local := filepath.Join(root, "model.bin")
	st := resume.Open(statedir.At(filepath.Join(t.TempDir(), "uploads"), 0o700))
	if _, err := Run(context.Background(), c, Options{Local: local, Dest: "/r"}); err != nil {
		t.Fatal(err)
	}
	interrupted(t, c, st, local, "/r/model.bin", data, 0)
	sum, err := Run(context.Background(), c, Options{Local: local, Dest: "/r", Transfer: transfer.Options{Resume: st}})
	if err != nil || sum.Unchanged != 1 {
		t.Fatalf("push: %v %+v", err, sum)
	}
	if st.Load("/r/model.bin") != nil {
		t.Error("the state of a file found unchanged was kept")
	}
	_ = srv
}

type fileStat struct {
	size  int64
	mtime time.Time
}

func statOf(t *testing.T, path string) fileStat {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileStat{info.Size(), info.ModTime()}
}
