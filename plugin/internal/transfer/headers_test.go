package transfer

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

const appendBatchRoute = "files/upload_session/append_batch"

// smallPlan writes n files of size bytes each and plans to upload them
// under /many; it returns the plan and the bytes of all files.
func smallPlan(t *testing.T, n, size int) (*plan.Plan, int64) {
	t.Helper()
	dir := t.TempDir()
	p := &plan.Plan{Dest: "/many"}
	for i := range n {
		rel := fmt.Sprintf("exp%02d/out-%04d.csv", i%10, i)
		path := filepath.Join(dir, rel)
		data := []byte(fmt.Sprintf("%0*d", size, i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f := &local.File{Rel: rel, Path: path, Size: int64(size), ModTime: time.Unix(1700000000, 0)}
		p.Items = append(p.Items, &plan.Item{File: f, Dest: "/many/" + rel, Action: plan.Upload})
	}
	return p, int64(n * size)
}

// uploadAll uploads p and fails the test unless every file was committed
// at the first try.
func uploadAll(t *testing.T, srv *emulator.Server, p *plan.Plan, res []Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range res {
		if !r.Committed {
			failed++
			if failed <= 3 {
				t.Errorf("%s: %v", r.Item.Dest, r.Err)
			}
		}
	}
	if failed > 0 || len(srv.Files()) != len(p.Items) {
		t.Fatalf("%d of %d files failed; Dropbox holds %d", failed, len(p.Items), len(srv.Files()))
	}
}

// Behind a front end that refuses request headers over 8 KiB, 2,000 small
// files land, each sent once, and no request is refused: the default bound
// keeps every Dropbox-API-Arg under 6 KiB.
func TestTwoThousandFilesThroughAnEightKiBHeaderLimit(t *testing.T) {
	srv, c := strictEmulatorWith(t, emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 8 << 10}})
	p, total := smallPlan(t, 2000, 100)
	res, _, err := Upload(context.Background(), c, p, Options{Rounds: 1})
	uploadAll(t, srv, p, res, err)
	st := srv.Stats()
	if n := st.Faults["header_limit"]; n != 0 {
		t.Errorf("%d requests refused for their headers, want none", n)
	}
	if got := st.Routes[appendBatchRoute].BytesReceived; got != total {
		t.Errorf("append_batch received %d bytes, want the files' %d, each once", got, total)
	}
}

// Behind a stricter front end, each refusal splits the request, and the
// smaller bound is kept for the rest of the run: a few refusals, not one
// per pack, and every file lands.
func TestRefusedHeadersSplitTheRequest(t *testing.T) {
	for _, status := range []int{http.StatusRequestHeaderFieldsTooLarge, http.StatusRequestEntityTooLarge, http.StatusBadRequest} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv, c := strictEmulatorWith(t, emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 1500, HeaderLimitStatus: status}})
			p, total := smallPlan(t, 600, 50)
			// Packs of 100 files, two at a time: the first two are refused
			// (6 KiB arguments), then their halves, and so on down to
			// what fits; the later packs fit at once.
			res, _, err := Upload(context.Background(), c, p, Options{Rounds: 1, PackFiles: 100, Parallel: 2})
			uploadAll(t, srv, p, res, err)
			st := srv.Stats()
			refused := st.Faults["header_limit"]
			if refused == 0 || refused > 12 {
				t.Errorf("%d requests refused for their headers, want a few (each pack in flight halved to fit, then remembered)", refused)
			}
			// About 9 entries fit; the bound kept is at least half of that.
			if ok := st.Routes[appendBatchRoute].Statuses["200"]; ok > 160 {
				t.Errorf("%d append_batch requests: smaller than needed", ok)
			}
			if got := st.Routes[appendBatchRoute].BytesReceived; got > total+refused*100*50 {
				t.Errorf("append_batch received %d bytes for %d of files and %d refusals", got, total, refused)
			}
		})
	}
}

// A file whose request is refused even alone fails alone, named.
func TestHeadersRefusedForOneFileFailIt(t *testing.T) {
	srv, c := strictEmulatorWith(t, emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 200}})
	p, _ := smallPlan(t, 3, 10)
	res, _, err := Upload(context.Background(), c, p, Options{Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Committed || r.Err == nil || !headersTooLarge(r.Err) {
			t.Errorf("%s: committed %v, error %v", r.Item.Dest, r.Committed, r.Err)
		}
	}
	if len(srv.Files()) != 0 {
		t.Errorf("Dropbox holds %d files", len(srv.Files()))
	}
}

func TestSplitArgs(t *testing.T) {
	id := "pid_upload_session:" + fmt.Sprintf("%050d", 0)
	ids := make([]string, 1000)
	data := make([][]byte, 1000)
	for i := range ids {
		ids[i], data[i] = id, make([]byte, 4096)
	}
	if n := entrySize(id, 4096); n != 135 {
		t.Errorf("an entry takes %d bytes, want 135 (as measured from the SDK's JSON)", n)
	}
	ends := splitArgs(ids, data, DefaultMaxArg)
	start := 0
	for _, end := range ends {
		if size := argSize(ids[start:end], data[start:end]); size > DefaultMaxArg {
			t.Errorf("group %d..%d: %d bytes of argument", start, end, size)
		}
		start = end
	}
	if start != 1000 || len(ends) != 23 {
		t.Errorf("%d groups ending at %d, want 23 (44 entries each) covering 1000", len(ends), start)
	}
	if ends := splitArgs(ids[:3], data[:3], 10); len(ends) != 3 {
		t.Errorf("a bound below one entry: groups %v, want one entry each", ends)
	}
}

// appendConcurrency uploads n files of size bytes with o and returns the
// most append_batch requests that were in flight at once, and how many
// there were.
func appendConcurrency(t *testing.T, n, size int, o Options) (most int, requests int64) {
	t.Helper()
	var mu sync.Mutex
	var now int
	hook := func(e emulator.Event) {
		if e.Route != appendBatchRoute {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if e.Phase == emulator.BeforeWork {
			now++
			most = max(most, now)
		} else {
			now--
		}
	}
	srv, c := strictEmulatorWith(t, emulator.Options{Hook: hook, Latency: 20 * time.Millisecond})
	p, _ := smallPlan(t, n, size)
	o.Rounds, o.MaxArg = 1, 1<<10 // about 6 files a request
	res, _, err := Upload(context.Background(), c, p, o)
	uploadAll(t, srv, p, res, err)
	return most, srv.Stats().Routes[appendBatchRoute].Requests
}

// A pack cut into several append_batch requests by the header bound sends
// them at most Options.Parallel at once, across all packs, when each
// carries as much as a pack (they all went at once: 69 requests for 3,000
// files, which stalled on a slow link)...
func TestAppendRequestsAtMostParallel(t *testing.T) {
	const parallel = 2
	most, n := appendConcurrency(t, 300, 1000, Options{Parallel: parallel, PackBytes: 6000})
	if n < 10 {
		t.Fatalf("%d append_batch requests: the test wants the packs cut into many", n)
	}
	if most > parallel {
		t.Errorf("%d append_batch requests were in flight at once, want at most %d", most, parallel)
	}
}

// ...and more while their data together stays within a pack's: the
// requests of small files go together, costing one round trip, as the
// pack's single request did.
func TestSmallAppendRequestsGoTogether(t *testing.T) {
	const parallel = 2
	most, n := appendConcurrency(t, 300, 100, Options{Parallel: parallel})
	if n < 10 || most < 2*parallel {
		t.Errorf("%d of %d append_batch requests in flight at once, want more than --parallel (%d): their data is a fraction of a pack's", most, n, parallel)
	}
}
