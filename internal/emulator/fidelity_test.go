package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
)

// Answers that Dropbox's spec (Stone) and SDKs pin down: account id
// length, the request id, finish_batch v1 with its async job, revoke of
// the refresh token behind an access token, cursor resets, recording.

func TestAccountIDIsFortyCharacters(t *testing.T) {
	_, base := start(t, Options{})
	acct, err := users.New(config(base, testToken)).GetCurrentAccount()
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.AccountId) != 40 || !strings.HasPrefix(acct.AccountId, "dbid:") {
		t.Fatalf("account_id %q has %d characters, users_common.AccountId wants 40", acct.AccountId, len(acct.AccountId))
	}
}

func TestRequestIDOnEveryAnswer(t *testing.T) {
	_, base := start(t, Options{})
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for _, tc := range []struct {
		name, target string
		header       map[string]string
		body         string
	}{
		{"rpc", "/2/users/get_current_account", rpcHeaders(), "null"},
		{"409", "/2/files/get_metadata", rpcHeaders(), `{"path":"/nope"}`},
		{"400", "/2/files/get_metadata", rpcHeaders(), `{`},
		{"401", "/2/files/get_metadata", map[string]string{"Authorization": "Bearer wrong", "Content-Type": "application/json"}, `{"path":"/a"}`},
		{"unknown route", "/2/files/nope", rpcHeaders(), `{}`},
		{"oauth", "/oauth2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "grant_type=refresh_token"},
	} {
		_, h, _ := raw(t, "POST", base+tc.target, tc.header, []byte(tc.body))
		id := h.Get("X-Dropbox-Request-Id")
		if !hexID.MatchString(id) || seen[id] {
			t.Errorf("%s: X-Dropbox-Request-Id %q", tc.name, id)
		}
		seen[id] = true
	}
}

// finishBatchV1 posts entries to files/upload_session/finish_batch and
// returns the async job id.
func finishBatchV1(t *testing.T, base string, entries []*files.UploadSessionFinishArg) string {
	t.Helper()
	body, _ := json.Marshal(files.NewUploadSessionFinishBatchArg(entries))
	status, _, out := raw(t, "POST", base+"/2/files/upload_session/finish_batch", rpcHeaders(), body)
	var launch struct {
		Tag string `json:".tag"`
		ID  string `json:"async_job_id"`
	}
	if status != 200 || json.Unmarshal([]byte(out), &launch) != nil || launch.Tag != "async_job_id" || !strings.HasPrefix(launch.ID, "dbjid:") {
		t.Fatalf("finish_batch: %d %s", status, out)
	}
	return launch.ID
}

func TestFinishBatchV1AndCheck(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	ids, err := c.UploadSessionStartBatch(files.NewUploadSessionStartBatchArg(2))
	if err != nil {
		t.Fatal(err)
	}
	var entries []*files.UploadSessionFinishArg
	for i, id := range ids.SessionIds {
		a := files.NewUploadSessionAppendArg(cursor(id, 0))
		a.Close = i == 0 // the second one stays open: its entry fails
		if err := c.UploadSessionAppendV2(a, strings.NewReader("v1 data")); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, files.NewUploadSessionFinishArg(cursor(id, 7), files.NewCommitInfo("/v1/f"+string(rune('0'+i)))))
	}
	job := finishBatchV1(t, base, entries)
	check := func(id string) (int, string) {
		status, _, out := raw(t, "POST", base+"/2/files/upload_session/finish_batch/check", rpcHeaders(), []byte(`{"async_job_id":"`+id+`"}`))
		return status, out
	}
	if status, out := check(job); status != 200 || out != `{".tag":"in_progress"}` {
		t.Fatalf("first check: %d %s", status, out)
	}
	status, out := check(job)
	var done struct {
		Tag     string `json:".tag"`
		Entries []struct {
			Tag         string `json:".tag"`
			PathDisplay string `json:"path_display"`
			Failure     struct {
				Tag          string `json:".tag"`
				LookupFailed struct {
					Tag string `json:".tag"`
				} `json:"lookup_failed"`
			} `json:"failure"`
		} `json:"entries"`
	}
	if status != 200 || json.Unmarshal([]byte(out), &done) != nil || done.Tag != "complete" || len(done.Entries) != 2 {
		t.Fatalf("second check: %d %s", status, out)
	}
	if e := done.Entries[0]; e.Tag != "success" || e.PathDisplay != "/v1/f0" {
		t.Errorf("entry 0: %+v", e)
	}
	if e := done.Entries[1]; e.Tag != "failure" || e.Failure.LookupFailed.Tag != "not_closed" {
		t.Errorf("entry 1: %+v", e)
	}
	if _, data, err := s.File("/v1/f0"); err != nil || string(data) != "v1 data" {
		t.Errorf("committed file: %q %v", data, err)
	}
	if status, out := check("dbjid:unknown"); status != 409 || !strings.Contains(out, `"error":{".tag":"invalid_async_job_id"}`) {
		t.Errorf("unknown job: %d %s", status, out)
	}
	if status, out := check(""); status != 400 {
		t.Errorf("empty job id: %d %s", status, out)
	}
}

func TestRevokeDisablesTheRefreshTokenBehind(t *testing.T) {
	s, base := start(t, Options{})
	refresh, err := s.NewRefreshToken("app")
	if err != nil {
		t.Fatal(err)
	}
	token := func() string {
		status, _, out := raw(t, "POST", base+"/oauth2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			[]byte("grant_type=refresh_token&client_id=app&refresh_token="+refresh))
		var tr tokenResponse
		if status != 200 || json.Unmarshal([]byte(out), &tr) != nil {
			t.Fatalf("refresh: %d %s", status, out)
		}
		return tr.AccessToken
	}
	first, second := token(), token()
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	if status, _, out := raw(t, "POST", base+"/2/auth/token/revoke", bearer(first), nil); status != 200 || out != "null" {
		t.Fatalf("revoke: %d %s", status, out)
	}
	for name, tok := range map[string]string{"the revoked token": first, "another token of the same refresh token": second} {
		if status, _, out := raw(t, "POST", base+"/2/users/get_current_account", bearer(tok), nil); status != 401 || !strings.Contains(out, "invalid_access_token") {
			t.Errorf("%s still works: %d %s", name, status, out)
		}
	}
	status, _, out := raw(t, "POST", base+"/oauth2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		[]byte("grant_type=refresh_token&client_id=app&refresh_token="+refresh))
	if status != 400 || !strings.Contains(out, "invalid_grant") {
		t.Errorf("refresh after revoke: %d %s", status, out)
	}
	// A token without a refresh token behind it revokes itself alone.
	s.AddToken("lonely")
	if status, _, _ := raw(t, "POST", base+"/2/auth/token/revoke", bearer("lonely"), nil); status != 200 {
		t.Fatalf("revoke lonely: %d", status)
	}
	if status, _, _ := raw(t, "POST", base+"/2/users/get_current_account", bearer(testToken), nil); status != 200 {
		t.Errorf("an unrelated token stopped working: %d", status)
	}
}

func TestResetCursors(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	for _, p := range []string{"/r/a", "/r/b", "/r/c"} {
		upload(t, c, p, []byte(p))
	}
	arg := files.NewListFolderArg("/r")
	arg.Limit = 1
	page, err := c.ListFolder(arg)
	if err != nil || !page.HasMore {
		t.Fatalf("list_folder: %+v %v", page, err)
	}
	if _, err := c.ListFolderContinue(files.NewListFolderContinueArg(page.Cursor)); err != nil {
		t.Fatalf("continue before the reset: %v", err)
	}
	s.ResetCursors()
	_, err = c.ListFolderContinue(files.NewListFolderContinueArg(page.Cursor))
	if e, ok := as[files.ListFolderContinueAPIError](err); !ok || e.EndpointError.Tag != "reset" {
		t.Fatalf("continue after ResetCursors: %T %v", err, err)
	}
	// A new listing works, and the admin endpoint resets it too.
	page, err = c.ListFolder(arg)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := raw(t, "POST", base+"/emulator/reset-cursors", nil, nil); status != http.StatusNoContent {
		t.Fatalf("POST /emulator/reset-cursors: %d", status)
	}
	_, err = c.ListFolderContinue(files.NewListFolderContinueArg(page.Cursor))
	if e, ok := as[files.ListFolderContinueAPIError](err); !ok || e.EndpointError.Tag != "reset" {
		t.Fatalf("continue after /emulator/reset-cursors: %v", err)
	}
}

func TestRecordSeesArgumentsAndAnswers(t *testing.T) {
	var mu sync.Mutex
	var got []Exchange
	_, base := start(t, Options{Record: func(e Exchange) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}})
	c := filesClient(base)
	upload(t, c, "/rec.txt", []byte("recorded"))
	_, _, _ = raw(t, "POST", base+"/2/files/get_metadata", rpcHeaders(), []byte(`{"path":"/missing"}`))
	_, rc, err := c.Download(files.NewDownloadArg("/rec.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	_, _ = data.ReadFrom(rc)
	rc.Close()

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d exchanges recorded: %+v", len(got), got)
	}
	up, miss, down := got[0], got[1], got[2]
	if up.Route != "files/upload" || up.Style != "upload" || up.Status != 200 || !strings.Contains(up.Arg, `"path":"/rec.txt"`) ||
		!strings.Contains(up.Result, `"content_hash"`) || strings.Contains(up.Result, "recorded") {
		t.Errorf("upload: %+v", up)
	}
	if miss.Status != 409 || miss.Arg != `{"path":"/missing"}` || !strings.Contains(miss.Result, `"error_summary":"path/not_found/.."`) || miss.RequestID == "" {
		t.Errorf("get_metadata: %+v", miss)
	}
	if down.Style != "download" || down.Status != 200 || !strings.HasPrefix(down.Result, `{"name":"rec.txt"`) || data.String() != "recorded" {
		t.Errorf("download: %+v (data %q)", down, data.String())
	}
}
