package transfer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// fakeFiles answers finish_batch_v2 as script says, and records calls.
type fakeFiles struct {
	files.ContextClient
	mu       sync.Mutex
	batches  []int // sizes, in order
	tries    map[string]int
	inFlight atomic.Int32
	overlap  atomic.Bool
	answer   func(call int, path string) *files.UploadSessionFinishBatchResultEntry
}

func (f *fakeFiles) UploadSessionFinishBatchV2Context(ctx context.Context, arg *files.UploadSessionFinishBatchArg) (*files.UploadSessionFinishBatchResult, error) {
	if f.inFlight.Add(1) > 1 {
		f.overlap.Store(true)
	}
	defer f.inFlight.Add(-1)
	time.Sleep(5 * time.Millisecond)
	f.mu.Lock()
	f.batches = append(f.batches, len(arg.Entries))
	call := len(f.batches)
	f.mu.Unlock()
	res := &files.UploadSessionFinishBatchResult{}
	f.mu.Lock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	for _, e := range arg.Entries {
		f.tries[e.Commit.Path]++
		res.Entries = append(res.Entries, f.answer(call, e.Commit.Path))
	}
	f.mu.Unlock()
	return res, nil
}

func success(path string) *files.UploadSessionFinishBatchResultEntry {
	return &files.UploadSessionFinishBatchResultEntry{Tagged: dropbox.Tagged{Tag: "success"}, Success: &files.FileMetadata{Metadata: files.Metadata{PathDisplay: path}}}
}

func failure(tag string) *files.UploadSessionFinishBatchResultEntry {
	return &files.UploadSessionFinishBatchResultEntry{Tagged: dropbox.Tagged{Tag: "failure"}, Failure: &files.UploadSessionFinishError{Tagged: dropbox.Tagged{Tag: tag}}}
}

// commitAll submits n sessions from several workers and waits for all.
func commitAll(t *testing.T, f *fakeFiles, n int) map[string]error {
	t.Helper()
	return commitAllWaiting(t, f, n, mostWaiting)
}

// commitAllWaiting is commitAll with at most most sessions waiting.
func commitAllWaiting(t *testing.T, f *fakeFiles, n, most int) map[string]error {
	t.Helper()
	cm := newCommitter(f, hclog.NewNullLogger())
	cm.clock, cm.most = &fakeClock{}, most
	ctx := context.Background()
	done := make(chan struct{})
	go func() { cm.run(ctx); close(done) }()
	var mu sync.Mutex
	out := map[string]error{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				path := fmt.Sprintf("/f%d", i)
				cm.submit(commitReq{it: &plan.Item{Dest: path, File: &local.File{}}, session: "s",
					done: func(_ *files.FileMetadata, err error) { mu.Lock(); out[path] = err; mu.Unlock() }})
			}
		}()
	}
	wg.Wait()
	cm.close()
	select {
	case <-done:
	case <-time.After(3 * time.Minute): // a hang guard, generous for a loaded machine
		t.Fatal("the committer did not finish")
	}
	if len(out) != n {
		t.Fatalf("%d of %d sessions answered", len(out), n)
	}
	return out
}

func TestCommitterBatchesWithoutOverlap(t *testing.T) {
	f := &fakeFiles{answer: func(_ int, p string) *files.UploadSessionFinishBatchResultEntry { return success(p) }}
	out := commitAll(t, f, 2500)
	for p, err := range out {
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if f.overlap.Load() {
		t.Fatal("two commits overlapped")
	}
	for _, n := range f.batches {
		if n > maxBatch {
			t.Fatalf("a batch of %d", n)
		}
	}
	if len(f.batches) > 5 {
		t.Fatalf("%d commits for 2500 sessions: %v", len(f.batches), f.batches)
	}
}

// TestCommitterBoundsWaitingSessions: sessions submitted faster than they
// are committed wait for room, so that no more than the bound are held;
// each is still committed.
func TestCommitterBoundsWaitingSessions(t *testing.T) {
	f := &fakeFiles{answer: func(_ int, p string) *files.UploadSessionFinishBatchResultEntry { return success(p) }}
	const most = 10
	out := commitAllWaiting(t, f, 200, most)
	for p, err := range out {
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	for _, n := range f.batches {
		if n > most {
			t.Fatalf("a batch of %d sessions, with at most %d waiting: %v", n, most, f.batches)
		}
	}
}

func TestCommitterRetriesContention(t *testing.T) {
	// Every session is refused for contention on its first commit, and
	// /f7 always: the others get through on the second try, /f7 is tried
	// for the committer's patience (ten minutes of a fake clock), then
	// fails for good.
	f := &fakeFiles{answer: func(call int, p string) *files.UploadSessionFinishBatchResultEntry {
		if call == 1 || p == "/f7" {
			return failure("too_many_write_operations")
		}
		return success(p)
	}}
	out := commitAll(t, f, 20)
	for p, err := range out {
		if (err != nil) != (p == "/f7") {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if !dbx.HasTag(out["/f7"], "too_many_write_operations") || !permanent(out["/f7"]) {
		t.Fatalf("/f7: %v", out["/f7"])
	}
	if len(f.batches) < 2 || f.batches[1] < f.batches[0] {
		t.Errorf("batches %v: the refused sessions did not come back together", f.batches)
	}
	if f.tries["/f7"] < 20 || f.tries["/f3"] != 2 {
		t.Fatalf("tries: /f7 %d, /f3 %d", f.tries["/f7"], f.tries["/f3"])
	}
	if f.overlap.Load() {
		t.Fatal("two commits overlapped")
	}
}

func TestMakePacks(t *testing.T) {
	sizes := []int64{10, 10, 10, 100, 5, 1000, 1}
	packs := makePacks(itemsOfSizes(sizes), 3, 120)
	var got [][]int64
	for _, p := range packs {
		var s []int64
		for _, it := range p {
			s = append(s, it.File.Size)
		}
		got = append(got, s)
	}
	want := fmt.Sprint([][]int64{{10, 10, 10}, {100, 5}, {1000}, {1}})
	if fmt.Sprint(got) != want {
		t.Fatalf("packs %v, want %v", got, want)
	}
}

func TestAlreadyAppended(t *testing.T) {
	closed := &files.UploadSessionAppendBatchEntryError{Tagged: dropbox.Tagged{Tag: "closed"}}
	atEnd := &files.UploadSessionAppendBatchEntryError{Tagged: dropbox.Tagged{Tag: "incorrect_offset"}, IncorrectOffset: &files.UploadSessionOffsetError{CorrectOffset: 5}}
	notFound := &files.UploadSessionAppendBatchEntryError{Tagged: dropbox.Tagged{Tag: "not_found"}}
	if !alreadyAppended(closed, 5) || !alreadyAppended(atEnd, 5) || alreadyAppended(atEnd, 6) || alreadyAppended(notFound, 5) {
		t.Fatal("alreadyAppended misjudges")
	}
}

func TestPermanent(t *testing.T) {
	for summary, want := range map[string]bool{
		"path/insufficient_space":   true,
		"path/conflict/file":        true,
		"too_many_write_operations": false,
		"lookup_failed/not_found":   false,
	} {
		if got := permanent(entryError(summary)); got != want {
			t.Errorf("%s: permanent %v", summary, got)
		}
	}
	if !permanent(errChanged) {
		t.Error("a file that changed while it was sent is sent again in this run")
	}
}

// A batch answer with null entries (a hostile server) fails those files,
// each with an error; nothing panics.
func TestCommitterSurvivesNullEntries(t *testing.T) {
	f := &fakeFiles{answer: func(_ int, p string) *files.UploadSessionFinishBatchResultEntry {
		if p == "/f3" {
			return nil
		}
		return success(p)
	}}
	for p, err := range commitAll(t, f, 10) {
		if err == nil {
			t.Errorf("%s: committed from an answer with a null entry", p)
		}
	}
}
