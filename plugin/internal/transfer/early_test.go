package transfer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// The first chunk of the first large file, read and hashed while Dropbox
// was listed (StartEarly), is sent as it was read; the file lands whole.
// A file rewritten after that read (same size, another modification time)
// is read again: Dropbox holds what the file holds when it is sent, not a
// chunk of what it held before.
func TestEarlyFirstChunk(t *testing.T) {
	for _, rewritten := range []bool{false, true} {
		srv, c := strictEmulator(t, emulator.Strict{})
		path := filepath.Join(t.TempDir(), "model.bin")
		want := content(1)
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		f := &local.File{Rel: "model.bin", Path: path, Size: info.Size(), ModTime: info.ModTime()}
		early := StartEarly(context.Background(), c, f)
		<-early.read
		if early.data == nil {
			t.Fatal("the first chunk was not read early")
		}
		if rewritten {
			want = content(2)
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			later := info.ModTime().Add(time.Second)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}
		p := &plan.Plan{Dest: "/r", Items: []*plan.Item{{File: f, Dest: resumeDest, Action: plan.Upload}}}
		res, _, err := Upload(context.Background(), c, p, Options{Early: early})
		if err != nil || len(res) != 1 || res[0].Err != nil {
			t.Fatalf("rewritten %t: upload: %v %+v", rewritten, err, res)
		}
		holds(t, srv, want)
		if used := early.data == nil; used == rewritten {
			t.Errorf("rewritten %t: the chunk read early was used: %t", rewritten, used)
		}
		if n := routeRequests(srv, "files/upload_session/start"); n != 1 {
			t.Errorf("rewritten %t: %d sessions started, want the early one alone", rewritten, n)
		}
	}
}
