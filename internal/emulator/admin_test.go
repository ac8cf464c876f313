package emulator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

func TestStatsCountRequestsAndBytes(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	upload(t, c, "/s/a.txt", []byte("12345"))
	upload(t, c, "/s/b.txt", []byte("678"))
	c.GetMetadata(files.NewGetMetadataArg("/s/missing"))

	st := s.Stats()
	up := st.Routes["files/upload"]
	if up.Requests != 2 || up.BytesReceived != 8 || up.BytesSent == 0 || up.Statuses["200"] != 2 {
		t.Errorf("files/upload %+v", up)
	}
	if gm := st.Routes["files/get_metadata"]; gm.Requests != 1 || gm.Statuses["409"] != 1 {
		t.Errorf("files/get_metadata %+v", gm)
	}
	if st.Requests != 3 || st.BytesReceived < 8 {
		t.Errorf("totals %+v", st)
	}
	if _, ok := st.Routes["files/download"]; ok {
		t.Error("routes without requests are listed")
	}

	// Over HTTP, as a benchmark sees them.
	status, _, body := raw(t, "GET", base+"/emulator/stats", nil, nil)
	var remote Stats
	if status != 200 || json.Unmarshal([]byte(body), &remote) != nil || remote.Routes["files/upload"].Requests != 2 {
		t.Fatalf("GET /emulator/stats: %d %s", status, body)
	}
	if status, _, _ := raw(t, "POST", base+"/emulator/stats/reset", nil, nil); status != 204 {
		t.Fatalf("reset: %d", status)
	}
	if st := s.Stats(); st.Requests != 0 || len(st.Routes) != 0 {
		t.Errorf("after reset %+v", st)
	}
}

func TestAdminEndpoints(t *testing.T) {
	_, base := start(t, Options{Tokens: []string{}})
	// A token added over HTTP works; expiring makes it fail.
	status, _, body := raw(t, "POST", base+"/emulator/tokens", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("access_token=scripted-token"))
	if status != 200 || !strings.Contains(body, "scripted-token") {
		t.Fatalf("add token: %d %s", status, body)
	}
	uc := users.New(config(base, "scripted-token"))
	if _, err := uc.GetCurrentAccount(); err != nil {
		t.Fatal(err)
	}
	raw(t, "POST", base+"/emulator/expire-tokens", nil, nil)
	if _, err := uc.GetCurrentAccount(); err == nil {
		t.Fatal("token still valid after expire-tokens")
	}

	status, _, body = raw(t, "POST", base+"/emulator/tokens", nil, nil)
	var tok map[string]string
	if status != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok["access_token"] == "" {
		t.Fatalf("generated token: %d %s", status, body)
	}
	upload(t, files.New(config(base, tok["access_token"])), "/Admin/One.txt", []byte("one"))

	status, _, body = raw(t, "GET", base+"/emulator/files", nil, nil)
	var list []store.FileInfo
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 ||
		list[0].Path != "/Admin/One.txt" || list[0].Size != 3 || list[0].ContentHash != hashOf([]byte("one")) {
		t.Fatalf("files: %d %s", status, body)
	}
	status, h, body := raw(t, "GET", base+"/emulator/file?path=/admin/one.txt", nil, nil)
	if status != 200 || body != "one" || !strings.Contains(h.Get("Emulator-File"), `"path_display":"/Admin/One.txt"`) {
		t.Fatalf("file: %d %q %v", status, body, h)
	}

	status, _, body = raw(t, "POST", base+"/emulator/refresh-tokens", nil, []byte(`{"client_id":"k"}`))
	var rt map[string]string
	if status != 200 || json.Unmarshal([]byte(body), &rt) != nil || rt["refresh_token"] == "" {
		t.Fatalf("refresh token: %d %s", status, body)
	}
	if status, _, _ := raw(t, "POST", base+"/emulator/revoke", nil, []byte(`{"refresh_token":"unknown"}`)); status != 404 {
		t.Errorf("revoking an unknown token: %d", status)
	}
	if status, _, _ := raw(t, "GET", base+"/emulator/expire-tokens", nil, nil); status != 405 {
		t.Errorf("GET on a POST endpoint: %d", status)
	}
}
