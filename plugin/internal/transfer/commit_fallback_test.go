package transfer

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// refusingFiles refuses, as a whole with 400, any finish_batch_v2 call
// holding a concurrent session (marked by its session id), and commits
// with upload_session/finish.
type refusingFiles struct {
	files.ContextClient
	mu       sync.Mutex
	batches  [][]string // paths per finish_batch_v2 call
	finishes []string
}

func (f *refusingFiles) UploadSessionFinishBatchV2Context(_ context.Context, arg *files.UploadSessionFinishBatchArg) (*files.UploadSessionFinishBatchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var paths []string
	res := &files.UploadSessionFinishBatchResult{}
	for _, e := range arg.Entries {
		paths = append(paths, e.Commit.Path)
		res.Entries = append(res.Entries, success(e.Commit.Path))
	}
	f.batches = append(f.batches, paths)
	for _, e := range arg.Entries {
		if strings.HasPrefix(e.Cursor.SessionId, "concurrent") {
			return nil, auth.BadRequest{APIError: dropbox.APIError{ErrorSummary: "Error in call to API function: concurrent sessions are not allowed here"}}
		}
	}
	return res, nil
}

func (f *refusingFiles) UploadSessionFinishContext(_ context.Context, arg *files.UploadSessionFinishArg, _ io.Reader) (*files.FileMetadata, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finishes = append(f.finishes, arg.Commit.Path)
	return success(arg.Commit.Path).Success, nil
}

// The whole call refused (400) with a concurrent session in it: the
// concurrent sessions are finished alone, the others committed again in a
// batch, and later concurrent sessions go straight to upload_session/finish.
func TestCommitterFinishesConcurrentAloneWhenTheBatchIsRefused(t *testing.T) {
	f := &refusingFiles{}
	cm := newCommitter(f, hclog.NewNullLogger())
	ctx := context.Background()
	out := map[string]error{}
	var mu sync.Mutex
	submit := func(path, session string, concurrent bool) {
		cm.submit(commitReq{it: &plan.Item{Dest: path, File: &local.File{}}, session: session, concurrent: concurrent,
			done: func(_ *files.FileMetadata, err error) { mu.Lock(); out[path] = err; mu.Unlock() }})
	}
	submit("/small1", "s1", false)
	submit("/large1", "concurrent1", true)
	submit("/small2", "s2", false)
	cm.close()
	cm.run(ctx)
	// The same committer has learned: a later concurrent session goes
	// alone at once, without another refused call.
	cm.closed = false
	submit("/large2", "concurrent2", true)
	submit("/small3", "s3", false)
	cm.close()
	cm.run(ctx)
	for _, p := range []string{"/small1", "/large1", "/small2", "/large2", "/small3"} {
		if err, ok := out[p]; !ok || err != nil {
			t.Errorf("%s: answered %v, err %v", p, ok, err)
		}
	}
	if got := strings.Join(f.finishes, ","); got != "/large1,/large2" {
		t.Errorf("upload_session/finish for %s, want /large1,/large2", got)
	}
	if len(f.batches) != 3 || strings.Join(f.batches[1], ",") != "/small1,/small2" || strings.Join(f.batches[2], ",") != "/small3" {
		t.Errorf("finish_batch_v2 calls %v, want the refused one, then the small files without the large one", f.batches)
	}
}
