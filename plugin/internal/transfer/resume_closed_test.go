package transfer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// A killed run may have closed its session, having sent every chunk, while
// its state on disk lacks some of the acknowledgements (they are written
// in the background). A closed concurrent session refuses every further
// append (the emulator, as files.stone says). The resume sends one chunk
// alone, learns from its "closed" that the session holds everything, and
// commits it: at most one chunk sent again, no start over.
func TestResumeOfASessionClosedBeforeTheKill(t *testing.T) {
	srv, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	data := content(3) // chunks 0, 1, 2 and a short closing 3
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	session := emutest.Interrupted(t, c, data, ChunkSize, 0, 1, 2)
	closing := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(session, 3*ChunkSize))
	closing.Close = true
	if err := c.Files.UploadSessionAppendV2Context(context.Background(), closing, bytes.NewReader(emutest.Chunk(data, ChunkSize, 3))); err != nil {
		t.Fatal(err)
	}
	st := resume.Open(statedir.At(filepath.Join(t.TempDir(), "uploads"), 0o700))
	u, err := st.Begin(resumeDest, path, info.Size(), info.ModTime(), session, ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 2} { // 1 and the closing 3 were not written down
		if err := u.Ack(i, blocks.Digests(emutest.Chunk(data, ChunkSize, i)), false); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetStats()

	r := uploadOne(t, c, path, st)
	if r.Err != nil {
		t.Fatalf("upload failed: %v", r.Err)
	}
	holds(t, srv, data)
	if got := srv.Stats().Routes["files/upload_session/append_v2"].BytesReceived; got > ChunkSize {
		t.Errorf("sent %d bytes of chunks again, want one chunk (%d) at most", got, ChunkSize)
	}
	if !strings.HasPrefix(r.Resume, "resumed: ") {
		t.Errorf("the upload did not resume: %q", r.Resume)
	}
}
