package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
)

// These tests look at the wire: status codes, bodies and headers as
// Dropbox writes them.

func TestMalformedCallsAre400PlainText(t *testing.T) {
	_, base := start(t, Options{})
	cases := []struct {
		name, route string
		header      map[string]string
		body        string
		want        string
	}{
		{"rpc with text body", "files/get_metadata", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "text/plain"}, `{"path":"/a"}`,
			`Error in call to API function "files/get_metadata": Bad HTTP "Content-Type" header: "text/plain".  Expecting one of "application/json", `},
		{"upload with JSON type", "files/upload", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json", "Dropbox-API-Arg": `{"path":"/a"}`}, "x",
			`Error in call to API function "files/upload": Bad HTTP "Content-Type" header: "application/json".  Expecting one of "application/octet-stream"`},
		{"no authorization", "files/get_metadata", map[string]string{"Content-Type": "application/json"}, `{"path":"/a"}`,
			`Must provide HTTP header "Authorization" or URL parameter "authorization".`},
		{"basic authorization", "files/get_metadata", map[string]string{"Authorization": "Basic abc", "Content-Type": "application/json"}, `{"path":"/a"}`,
			`Expecting "Bearer <oauth2-access-token>"`},
		{"bad JSON", "files/get_metadata", rpcHeaders(), `{"path":`, "could not decode input as JSON"},
		{"missing field", "files/get_metadata", rpcHeaders(), `{}`, "missing required field 'path'"},
		{"relative path", "files/get_metadata", rpcHeaders(), `{"path":"a.txt"}`, "did not match pattern"},
		{"invalid UTF-8 in header", "files/upload", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/octet-stream", "Dropbox-API-Arg": "{\"path\":\"/\xff\"}"}, "x",
			`HTTP header "Dropbox-API-Arg": could not decode input as JSON`},
	}
	for _, tc := range cases {
		status, h, body := raw(t, "POST", base+"/2/"+tc.route, tc.header, []byte(tc.body))
		if status != 400 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s %q", tc.name, status, h.Get("Content-Type"), body)
		}
	}
	// As Dropbox answers a route it does not have (seen from the real
	// service through the Python SDK's BadInputError).
	const unknown = `Error in call to API function "files/frobnicate": Unknown API function: /2/files/frobnicate`
	if status, _, body := raw(t, "POST", base+"/2/files/frobnicate", rpcHeaders(), []byte("{}")); status != 400 || body != unknown {
		t.Errorf("unknown route: %d %q", status, body)
	}
}

func TestEndpointErrorShape(t *testing.T) {
	_, base := start(t, Options{})
	status, h, body := raw(t, "POST", base+"/2/files/get_metadata", rpcHeaders(), []byte(`{"path":"/missing"}`))
	if status != http.StatusConflict || h.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", status, h.Get("Content-Type"))
	}
	var got struct {
		Summary string `json:"error_summary"`
		Error   struct {
			Tag  string `json:".tag"`
			Path struct {
				Tag string `json:".tag"`
			} `json:"path"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Summary, "path/not_found/") || got.Error.Tag != "path" || got.Error.Path.Tag != "not_found" {
		t.Errorf("body %s", body)
	}
	if !strings.HasPrefix(body, `{"error_summary":`) || !strings.Contains(body, `{".tag":"path","path":{".tag":"not_found"}}`) {
		t.Errorf("field order or tags: %s", body)
	}
}

func TestExpiredAndInvalidTokens(t *testing.T) {
	s, base := start(t, Options{})
	c := users.New(config(base, testToken))
	if acc, err := c.GetCurrentAccount(); err != nil || acc.AccountId != accountID || acc.Name.DisplayName == "" {
		t.Fatalf("get_current_account: %+v %v", acc, err)
	}
	_, err := users.New(config(base, "wrong")).GetCurrentAccount()
	if e, ok := as[auth.AuthAPIError](err); !ok || e.AuthError.Tag != "invalid_access_token" {
		t.Fatalf("wrong token: %T %v", err, err)
	}
	s.ExpireTokens()
	_, err = c.GetCurrentAccount()
	if e, ok := as[auth.AuthAPIError](err); !ok || e.AuthError.Tag != "expired_access_token" {
		t.Fatalf("expired token: %T %v", err, err)
	}
	status, _, body := raw(t, "POST", base+"/2/users/get_current_account", map[string]string{"Authorization": "Bearer " + testToken}, nil)
	if status != 401 || body != `{"error_summary":"expired_access_token/","error":{".tag":"expired_access_token"}}` {
		t.Errorf("401 body: %d %s", status, body)
	}
}

func TestArgAndResultHeaders(t *testing.T) {
	_, base := start(t, Options{})
	h := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/octet-stream"}
	// Argument in the "arg" URL parameter, escaped non-ASCII in the name,
	// and a Host header that is not the emulator's.
	arg := `{"path":"/caf\u00e9 \ud83d\ude00.txt"}`
	req, _ := http.NewRequest("POST", base+"/2/files/upload?arg="+url.QueryEscape(arg), strings.NewReader("hello"))
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Host = "content.dropboxapi.com"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("upload with arg parameter: %d", resp.StatusCode)
	}
	status, rh, body := raw(t, "POST", base+"/2/files/download", map[string]string{
		"Authorization": "Bearer " + testToken, "Dropbox-API-Arg": `{"path":"/CAF\u00c9 \ud83d\ude00.txt"}`}, nil)
	if status != 200 || body != "hello" {
		t.Fatalf("download: %d %q", status, body)
	}
	result := rh.Get("Dropbox-API-Result")
	if !strings.Contains(result, `"name":"caf\u00e9 \ud83d\ude00.txt"`) {
		t.Errorf("Dropbox-API-Result not header-safe: %s", result)
	}
	for _, r := range result {
		if r >= 0x7f {
			t.Fatalf("non-ASCII in Dropbox-API-Result: %q", result)
		}
	}
}

func TestDownloadRanges(t *testing.T) {
	_, base := start(t, Options{})
	upload(t, filesClient(base), "/r.bin", []byte("0123456789"))
	get := func(rng string) (int, http.Header, string) {
		h := map[string]string{"Authorization": "Bearer " + testToken, "Dropbox-API-Arg": `{"path":"/r.bin"}`}
		if rng != "" {
			h["Range"] = rng
		}
		return raw(t, "POST", base+"/2/files/download", h, nil)
	}
	for rng, want := range map[string][3]string{
		"":           {"200", "", "0123456789"},
		"bytes=2-5":  {"206", "bytes 2-5/10", "2345"},
		"bytes=7-":   {"206", "bytes 7-9/10", "789"},
		"bytes=-3":   {"206", "bytes 7-9/10", "789"},
		"bytes=8-99": {"206", "bytes 8-9/10", "89"},
	} {
		status, h, body := get(rng)
		if got := [3]string{http.StatusText(status), h.Get("Content-Range"), body}; got != [3]string{http.StatusText(atoi(want[0])), want[1], want[2]} {
			t.Errorf("Range %q: got %v, want %v", rng, got, want)
		}
	}
	status, _, body := get("bytes=10-")
	if status != 409 || !strings.Contains(body, `"error_summary":"range/not_satisfiable/`) {
		t.Errorf("unsatisfiable range: %d %s", status, body)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
