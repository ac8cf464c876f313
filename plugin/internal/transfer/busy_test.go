package transfer

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// fakeClock is a clock whose Sleep returns at once, having moved the time
// on to when it would have ended (sleeps that overlap end at the latest
// one's end, not at the sum): minutes of waiting in no time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	end := c.Now().Add(d)
	c.mu.Lock()
	if end.After(c.t) {
		c.t = end
	}
	c.mu.Unlock()
	return ctx.Err()
}

// uploadRoutes are the routes that carry file data.
var uploadRoutes = []string{"files/upload", "files/upload_session/start", "files/upload_session/append_v2", "files/upload_session/append_batch"}

// dataSent is the request bytes the emulator received on uploadRoutes.
func dataSent(srv *emulator.Server) int64 {
	var n int64
	st := srv.Stats()
	for _, r := range uploadRoutes {
		n += st.Routes[r].BytesReceived
	}
	return n
}

// contendedPlan is 300 small files, an empty one and one of 9 MiB (two
// chunks).
func contendedPlan(t *testing.T) (*plan.Plan, int64) {
	t.Helper()
	p, total := smallPlan(t, 300, 1000)
	more := strictPlan(t, 9<<20, 0).Items
	more[1].Dest = "/many/empty"
	p.Items = append(p.Items, more...)
	return p, total + more[0].File.Size
}

// Thirty seconds of a locked namespace (a fake clock, moved on by the
// client's waits), in each shape: every file lands, and its data is sent
// once; only the commits are tried again.
func TestContentionIsWaitedOut(t *testing.T) {
	for _, tc := range []struct {
		shape  string
		strict emulator.Strict
	}{
		{shape: emulator.ShapeEntry},
		{shape: emulator.ShapeCall},
		{shape: emulator.ShapeMixed},
		// the large file by upload_session/finish, the empty one by files/upload
		{shape: emulator.ShapeEntry, strict: emulator.Strict{FinishBatchConcurrent: true, RefuseEmptyAppend: emulator.RefuseEntry}},
	} {
		name := tc.shape
		if tc.strict != (emulator.Strict{}) {
			name += "-fallbacks"
		}
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{}
			srv, c := emutest.Start(t, emulator.Options{Strict: tc.strict, Limits: emulator.Limits{Contention: 30 * time.Second, ContentionShape: tc.shape, Now: clock.Now}},
				retry.Policy{MaxRetries: 0}) // the committer's own patience alone, on the fake clock
			p, total := contendedPlan(t)
			res, _, err := Upload(context.Background(), c, p, Options{clock: clock})
			uploadAll(t, srv, p, res, err)
			if got := dataSent(srv); got != total {
				t.Errorf("%d bytes of file data sent for %d of files: want each file once", got, total)
			}
			st := srv.Stats()
			if st.Faults["write_contention"] == 0 {
				t.Error("no commit was refused: the lock did not hold")
			}
			if tc.strict.RefuseEmptyAppend != "" && st.Routes["files/upload"].Statuses["409"] != 1 {
				t.Errorf("files/upload answered %v: want the empty file refused once, kept in a session", st.Routes["files/upload"].Statuses)
			}
		})
	}
}

// A lock that outlasts the patience fails the files for good: they are
// not sent again.
func TestContentionBeyondPatienceFailsForGood(t *testing.T) {
	clock := &fakeClock{}
	srv, c := emutest.Start(t, emulator.Options{Limits: emulator.Limits{Contention: time.Hour, Now: clock.Now}}, retry.Policy{MaxRetries: 0})
	p, total := smallPlan(t, 20, 100)
	res, stats, err := Upload(context.Background(), c, p, Options{clock: clock, WriteWait: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Committed || !permanent(r.Err) || !dbx.HasTag(r.Err, "too_many_write_operations") {
			t.Errorf("%s: committed %v, %v", r.Item.Dest, r.Committed, r.Err)
		}
	}
	if got := dataSent(srv); got != total || stats.Rounds != 1 {
		t.Errorf("%d bytes sent in %d rounds, want %d in one", got, stats.Rounds, total)
	}
}

// Sessions that expire while the namespace is locked are sent again,
// once, in the next round, and land. The lock ends a second after the
// sessions expire, so that the second round's sessions cannot expire too
// (with a lock of 30 s, a second round that began at 21 s could meet a
// backoff step long enough to outlive its sessions: about 2% of runs
// needed a third round; real sessions live for days).
func TestSessionsExpiredDuringContentionAreSentOnceMore(t *testing.T) {
	clock := &fakeClock{}
	srv, c := emutest.Start(t, emulator.Options{Limits: emulator.Limits{Contention: 21 * time.Second, SessionTTL: 20 * time.Second, Now: clock.Now}},
		retry.Policy{MaxRetries: 0})
	p, total := smallPlan(t, 50, 100)
	res, stats, err := Upload(context.Background(), c, p, Options{clock: clock})
	uploadAll(t, srv, p, res, err)
	if got := dataSent(srv); got != 2*total || stats.Rounds != 2 {
		t.Errorf("%d bytes sent in %d rounds for %d of files: want each file twice, in two rounds", got, stats.Rounds, total)
	}
}

// A large file whose session expires between its chunks (not_found) is
// sent again once, whole, in the next round, and lands.
func TestLargeFileWhoseSessionExpiresIsSentOnceMore(t *testing.T) {
	var srv *emulator.Server
	var expired atomic.Bool
	srv, c := emutest.Start(t, emulator.Options{Hook: func(e emulator.Event) {
		if e.Route == "files/upload_session/append_v2" && e.Phase == emulator.AfterWork && expired.CompareAndSwap(false, true) {
			srv.ExpireSessions()
		}
	}}, emutest.FastPolicy)
	p := strictPlan(t, 3*ChunkSize+100)
	res, stats, err := Upload(context.Background(), c, p, Options{})
	uploadAll(t, srv, p, res, err)
	if got, size := dataSent(srv), p.Items[0].File.Size; got > 2*size || stats.Rounds != 2 {
		t.Errorf("%d bytes sent in %d rounds for a file of %d: want at most twice, in two rounds", got, stats.Rounds, size)
	}
}
