package emulator

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSessionIDsAreAsLongAsDropboxs(t *testing.T) {
	_, base := start(t, Options{})
	res, err := filesClient(base).UploadSessionStartBatch(files.NewUploadSessionStartBatchArg(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.SessionIds {
		if len(id) != 69 || !strings.HasPrefix(id, "pid_upload_session:") {
			t.Errorf("session id %q: %d characters, want 69", id, len(id))
		}
	}
}

func TestHeaderLimit(t *testing.T) {
	for _, status := range []int{0, http.StatusRequestEntityTooLarge, http.StatusBadRequest} {
		s, base := start(t, Options{Limits: Limits{MaxHeaderBytes: 2048, HeaderLimitStatus: status}})
		want, text := status, http.StatusText(status)
		switch status {
		case 0:
			want, text = http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"
		case http.StatusBadRequest:
			text = "Request Header Or Cookie Too Large"
		}
		upload := func(name string) (int, http.Header, string) {
			h := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/octet-stream",
				"Dropbox-API-Arg": `{"path":"/h/` + name + `"}`}
			return raw(t, "POST", base+"/2/files/upload", h, []byte("data"))
		}
		if code, _, body := upload("small"); code != http.StatusOK {
			t.Fatalf("small headers: %d %s", code, body)
		}
		code, h, body := upload(strings.Repeat("x", 2048))
		if code != want || h.Get("Content-Type") != "text/plain; charset=utf-8" || body != text || h.Get("Server") != "envoy" {
			t.Errorf("large headers: %d %q %q, want %d in text", code, h.Get("Content-Type"), body, want)
		}
		if n := len(s.Files()); n != 1 {
			t.Errorf("%d files stored, want only the small one", n)
		}
		if s.Stats().Faults[faultHeaderLimit] != 1 {
			t.Errorf("faults: %v", s.Stats().Faults)
		}
	}
	if _, err := New(Options{Limits: Limits{MaxHeaderBytes: 10, HeaderLimitStatus: 500}}); err == nil {
		t.Error("status 500 accepted")
	}
}

// closedSession opens a sequential session holding data, closed.
func closedSession(t *testing.T, c files.Client, data []byte) string {
	t.Helper()
	arg := files.NewUploadSessionStartArg()
	arg.Close = true
	res, err := c.UploadSessionStart(arg, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return res.SessionId
}

func finishBatch(c files.Client, ids []string, sizes []int, paths ...string) (*files.UploadSessionFinishBatchResult, error) {
	var entries []*files.UploadSessionFinishArg
	for i, id := range ids {
		entries = append(entries, files.NewUploadSessionFinishArg(cursor(id, sizes[i]), files.NewCommitInfo(paths[i])))
	}
	return c.UploadSessionFinishBatchV2(files.NewUploadSessionFinishBatchArg(entries))
}

func TestContentionWindowPerEntry(t *testing.T) {
	clock := newFakeClock()
	s, base := start(t, Options{Limits: Limits{Contention: time.Minute, Now: clock.Now}})
	c := filesClient(base)
	a, b := closedSession(t, c, []byte("aa")), closedSession(t, c, []byte("bbb"))

	// The first commit starts the lock: each entry fails, and so does a
	// commit a minute less a second later.
	for _, wait := range []time.Duration{0, 59 * time.Second} {
		clock.Advance(wait)
		res, err := finishBatch(c, []string{a, b}, []int{2, 3}, "/w/a", "/w/b")
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range res.Entries {
			if e.Tag != "failure" || e.Failure.Tag != files.UploadSessionFinishErrorTooManyWriteOperations {
				t.Errorf("entry %d: %+v", i, e)
			}
		}
	}
	_, err := c.UploadSessionFinish(files.NewUploadSessionFinishArg(cursor(a, 2), files.NewCommitInfo("/w/a")), nil)
	if e, ok := as[files.UploadSessionFinishAPIError](err); !ok || e.EndpointError.Tag != files.UploadSessionFinishErrorTooManyWriteOperations {
		t.Errorf("finish: %v", err)
	}
	_, err = c.Upload(files.NewUploadArg("/w/u"), bytes.NewReader([]byte("uuuu")))
	e, ok := as[files.UploadAPIError](err)
	if !ok || e.EndpointError.Path == nil || e.EndpointError.Path.Reason.Tag != files.WriteErrorTooManyWriteOperations {
		t.Fatalf("upload: %v", err)
	}
	kept := e.EndpointError.Path.UploadSessionId

	// The lock ends; the sessions were kept, and the one files/upload
	// named commits its data.
	clock.Advance(time.Second)
	res, err := finishBatch(c, []string{a, b, kept}, []int{2, 3, 4}, "/w/a", "/w/b", "/w/u")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range res.Entries {
		if e.Tag != "success" {
			t.Errorf("entry %d after the lock: %+v", i, e.Failure)
		}
	}
	if _, got, err := s.File("/w/u"); err != nil || string(got) != "uuuu" {
		t.Errorf("/w/u holds %q, %v", got, err)
	}
}

func TestContentionWindowWholeCall(t *testing.T) {
	clock := newFakeClock()
	s, base := start(t, Options{RetryAfter: 7 * time.Second, Limits: Limits{ContentionShape: ShapeMixed, Now: clock.Now}})
	c := filesClient(base)
	a := closedSession(t, c, []byte("aa"))
	// No lock until one is asked for.
	if _, err := c.Upload(files.NewUploadArg("/m/first"), bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	s.Contend(time.Minute)
	shapes := map[string]int{}
	for range 4 {
		res, err := finishBatch(c, []string{a}, []int{2}, "/m/a")
		switch rl, ok := as[auth.RateLimitAPIError](err); {
		case ok && rl.RateLimitError.Reason.Tag == auth.RateLimitReasonTooManyWriteOperations && rl.RateLimitError.RetryAfter == 7:
			shapes["call"]++
		case err == nil && res.Entries[0].Failure != nil && res.Entries[0].Failure.Tag == files.UploadSessionFinishErrorTooManyWriteOperations:
			shapes["entry"]++
		default:
			t.Fatalf("locked finish_batch_v2: %+v %v", res, err)
		}
	}
	if shapes["call"] != 2 || shapes["entry"] != 2 {
		t.Errorf("mixed shapes: %v", shapes)
	}
	code, h, _ := raw(t, "POST", base+"/2/files/create_folder_v2", rpcHeaders(), []byte(`{"path":"/m/f"}`))
	if code != http.StatusTooManyRequests || h.Get("Retry-After") != "7" {
		t.Errorf("create_folder_v2 while locked: %d %v", code, h)
	}
	clock.Advance(time.Minute)
	if res, err := finishBatch(c, []string{a}, []int{2}, "/m/a"); err != nil || res.Entries[0].Tag != "success" {
		t.Fatalf("after the lock: %+v %v", res, err)
	}
}

func TestQuota(t *testing.T) {
	s, base := start(t, Options{Limits: Limits{Quota: 100}})
	c := filesClient(base)
	u := users.New(config(base, testToken))
	upload(t, c, "/q/a", pattern(60, 1))

	// files/upload: path, with reason and a session id.
	_, err := c.Upload(files.NewUploadArg("/q/b"), bytes.NewReader(pattern(41, 2)))
	if e, ok := as[files.UploadAPIError](err); !ok || e.EndpointError.Path == nil || e.EndpointError.Path.Reason.Tag != files.WriteErrorInsufficientSpace {
		t.Errorf("upload past the quota: %v", err)
	}
	// upload_session/finish: path/insufficient_space.
	id := closedSession(t, c, pattern(41, 3))
	_, err = c.UploadSessionFinish(files.NewUploadSessionFinishArg(cursor(id, 41), files.NewCommitInfo("/q/c")), nil)
	if e, ok := as[files.UploadSessionFinishAPIError](err); !ok || e.EndpointError.Path == nil || e.EndpointError.Path.Tag != files.WriteErrorInsufficientSpace {
		t.Errorf("finish past the quota: %v", err)
	}
	// finish_batch_v2: the entry that fits goes, the next one fails.
	id2 := closedSession(t, c, pattern(40, 4))
	res, err := finishBatch(c, []string{id2, id}, []int{40, 41}, "/q/d", "/q/c")
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries[0].Tag != "success" || res.Entries[1].Failure == nil || res.Entries[1].Failure.Path == nil || res.Entries[1].Failure.Path.Tag != files.WriteErrorInsufficientSpace {
		t.Errorf("batch past the quota: %+v %+v", res.Entries[0], res.Entries[1].Failure)
	}
	// An overwrite counts its growth only.
	arg := files.NewUploadArg("/q/a")
	arg.Mode = &files.WriteMode{}
	arg.Mode.Tag = files.WriteModeOverwrite
	if _, err := c.Upload(arg, bytes.NewReader(pattern(60, 5))); err != nil {
		t.Errorf("overwrite of the same size: %v", err)
	}
	sp, err := u.GetSpaceUsage()
	if err != nil || sp.Used != 100 || sp.Allocation.Tag != users.SpaceAllocationIndividual || sp.Allocation.Individual.Allocated != 100 {
		t.Errorf("get_space_usage: %+v %v", sp, err)
	}

	// A team member: the team has twice the quota, the member the quota.
	_, tbase := start(t, Options{Limits: Limits{Quota: 1000, QuotaTeam: true}})
	upload(t, filesClient(tbase), "/t", pattern(10, 6))
	sp, err = users.New(config(tbase, testToken)).GetSpaceUsage()
	if err != nil || sp.Used != 10 || sp.Allocation.Team == nil {
		t.Fatalf("team get_space_usage: %+v %v", sp, err)
	}
	if tm := sp.Allocation.Team; tm.Allocated != 2000 || tm.UserWithinTeamSpaceAllocated != 1000 || tm.UserWithinTeamSpaceLimitType.Tag != "stop_sync" || tm.UserWithinTeamSpaceUsedCached != 10 {
		t.Errorf("team allocation %+v", tm)
	}
	_ = s
}

func TestSessionLifetime(t *testing.T) {
	clock := newFakeClock()
	s, base := start(t, Options{Limits: Limits{SessionTTL: time.Hour, Now: clock.Now}})
	c := filesClient(base)
	ids, err := c.UploadSessionStartBatch(files.NewUploadSessionStartBatchArg(2))
	if err != nil {
		t.Fatal(err)
	}
	closed := closedSession(t, c, []byte("x"))
	clock.Advance(59 * time.Minute)
	if err := c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor(ids.SessionIds[0], 0)), bytes.NewReader([]byte("y"))); err != nil {
		t.Fatalf("append before the end of the session's life: %v", err)
	}
	clock.Advance(time.Minute)

	err = c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor(ids.SessionIds[0], 1)), bytes.NewReader([]byte("z")))
	if e, ok := as[files.UploadSessionAppendV2APIError](err); !ok || e.EndpointError.Tag != "not_found" {
		t.Errorf("append_v2 to an expired session: %v", err)
	}
	entry := files.NewUploadSessionAppendBatchArgEntry(cursor(ids.SessionIds[1], 0), 1)
	ab, err := c.UploadSessionAppendBatch(&files.UploadSessionAppendBatchArg{Entries: []*files.UploadSessionAppendBatchArgEntry{entry}}, bytes.NewReader([]byte("z")))
	if err != nil || ab.Entries[0].Failure == nil || ab.Entries[0].Failure.Tag != "not_found" {
		t.Errorf("append_batch to an expired session: %+v %v", ab, err)
	}
	_, err = c.UploadSessionFinish(files.NewUploadSessionFinishArg(cursor(closed, 1), files.NewCommitInfo("/e/x")), nil)
	if e, ok := as[files.UploadSessionFinishAPIError](err); !ok || e.EndpointError.LookupFailed == nil || e.EndpointError.LookupFailed.Tag != "not_found" {
		t.Errorf("finish of an expired session: %v", err)
	}

	// ExpireSessions ends every session at once.
	fresh := closedSession(t, c, []byte("f"))
	s.ExpireSessions()
	res, err := finishBatch(c, []string{fresh}, []int{1}, "/e/f")
	if err != nil || res.Entries[0].Failure == nil || res.Entries[0].Failure.LookupFailed == nil || res.Entries[0].Failure.LookupFailed.Tag != "not_found" {
		t.Errorf("finish_batch_v2 of an expired session: %+v %v", res, err)
	}
}
