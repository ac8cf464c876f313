package transfer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// The fallbacks for answers only the real Dropbox can give, each run
// against the emulator's strict mode that gives it: the test asserts that
// the fallback's route was used (the emulator's per-route counts) and that
// Dropbox ends up holding the right files.

func strictEmulator(t *testing.T, st emulator.Strict) (*emulator.Server, *dbx.Client) {
	t.Helper()
	return strictEmulatorWith(t, emulator.Options{Strict: st})
}

func strictEmulatorWith(t *testing.T, o emulator.Options) (*emulator.Server, *dbx.Client) {
	t.Helper()
	return emutest.Start(t, o, retry.Policy{MaxRetries: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: time.Minute})
}

// strictPlan writes files of the given sizes and plans to upload them under
// /dest.
func strictPlan(t *testing.T, sizes ...int) *plan.Plan {
	t.Helper()
	dir := t.TempDir()
	p := &plan.Plan{Dest: "/dest"}
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte('a' + i)}, n)
		path := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f := &local.File{Rel: fmt.Sprintf("f%d", i), Path: path, Size: int64(n), ModTime: time.Unix(1700000000, 0)}
		p.Items = append(p.Items, &plan.Item{File: f, Dest: "/dest/" + f.Rel, Action: plan.Upload})
	}
	return p
}

// upload runs Upload with large files from 1000 bytes, and checks that
// every file arrived with its content.
func upload(t *testing.T, srv *emulator.Server, c *dbx.Client, p *plan.Plan) []Result {
	t.Helper()
	res, _, err := Upload(context.Background(), c, p, Options{LargeFrom: 1000, Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Item.Dest, r.Err)
			continue
		}
		data, _ := os.ReadFile(r.Item.File.Path)
		if !r.Committed || r.Item.File.Hash != blocks.Hash(data) {
			t.Errorf("%s: committed %v with the content hash %q, want %s", r.Item.Dest, r.Committed, r.Item.File.Hash, blocks.Hash(data))
		}
		info, got, err := srv.File(r.Item.Dest)
		if err != nil || !bytes.Equal(got, data) || info.ContentHash != blocks.Hash(data) {
			t.Errorf("%s on Dropbox: %d bytes (err %v), want %d", r.Item.Dest, len(got), err, len(data))
		}
	}
	return res
}

func routeRequests(srv *emulator.Server, route string) int64 {
	return srv.Stats().Routes[route].Requests
}

func TestConcurrentSessionRefusedByFinishBatchIsFinishedAlone(t *testing.T) {
	srv, c := strictEmulator(t, emulator.Strict{FinishBatchConcurrent: true})
	upload(t, srv, c, strictPlan(t, 3000, 10, 2500, 20))
	if n := routeRequests(srv, "files/upload_session/finish"); n != 2 {
		t.Errorf("upload_session/finish called %d times, want 2 (one per large file)", n)
	}
	if n := routeRequests(srv, "files/upload_session/finish_batch_v2"); n < 1 {
		t.Errorf("finish_batch_v2 not called; the small files go by it")
	}
}

func TestEmptyFileRefusedInAppendBatchGoesByUpload(t *testing.T) {
	for _, how := range []emulator.Refusal{emulator.RefuseEntry, emulator.RefuseRequest} {
		t.Run(string(how), func(t *testing.T) {
			srv, c := strictEmulator(t, emulator.Strict{RefuseEmptyAppend: how})
			upload(t, srv, c, strictPlan(t, 0, 10, 0, 20, 0))
			if n := routeRequests(srv, "files/upload"); n != 3 {
				t.Errorf("files/upload called %d times, want 3 (one per empty file)", n)
			}
			want := int64(1) // refused entries: the others were appended
			if how == emulator.RefuseRequest {
				want = 2 // the refused call, and the one without the empty files
			}
			if n := routeRequests(srv, "files/upload_session/append_batch"); n != want {
				t.Errorf("append_batch called %d times, want %d", n, want)
			}
		})
	}
}

func TestMissingContentHashIsLookedUp(t *testing.T) {
	srv, c := strictEmulator(t, emulator.Strict{OmitContentHash: true, RefuseEmptyAppend: emulator.RefuseEntry})
	upload(t, srv, c, strictPlan(t, 10, 0, 3000)) // by finish_batch_v2, files/upload and a concurrent session
	if n := routeRequests(srv, "files/get_metadata"); n != 3 {
		t.Errorf("get_metadata called %d times, want 3 (one per commit without content_hash)", n)
	}
}

func TestEmptyBodiesAreNotChunked(t *testing.T) {
	srv, c := strictEmulator(t, emulator.Strict{RefuseEmptyChunked: true, RefuseEmptyAppend: emulator.RefuseEntry})
	p := strictPlan(t, 3000, 0)
	upload(t, srv, c, p)
	if n := srv.Stats().Routes["files/upload_session/start"].Statuses["400"]; n != 0 {
		t.Errorf("upload_session/start refused %d times for an empty chunked body", n)
	}
}

func TestEveryStrictModeAtOnce(t *testing.T) {
	srv, c := strictEmulator(t, emulator.Strict{FinishBatchConcurrent: true, RefuseEmptyAppend: emulator.RefuseRequest,
		OmitContentHash: true, RefuseEmptyChunked: true})
	upload(t, srv, c, strictPlan(t, 0, 5, 4000, 0, 7))
}

func TestFileWhereAFolderShouldBeIsNamed(t *testing.T) {
	_, c := strictEmulator(t, emulator.Strict{})
	if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg("/dest/empty"), strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Dest: "/dest", Folders: []string{"/dest/there", "/dest/empty"}}
	if _, err := c.Files.CreateFolderV2Context(context.Background(), files.NewCreateFolderArg("/dest/there")); err != nil {
		t.Fatal(err)
	}
	_, _, err := Upload(context.Background(), c, p, Options{})
	if err == nil || !strings.Contains(err.Error(), `"/dest/empty"`) || !strings.Contains(err.Error(), "a file is in the way") {
		t.Errorf("err = %v, want one that names the file in the way", err)
	}
}
