package dbx

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

func TestParseAPIURL(t *testing.T) {
	ok := []string{"http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:9", "https://example.invalid", "http://127.1.2.3:80/prefix"}
	for _, s := range ok {
		if _, err := ParseAPIURL(s, "--api-url"); err != nil {
			t.Errorf("ParseAPIURL(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"http://dropbox.invalid:8080": "not loopback",
		"http://10.0.0.1":             "not loopback",
		"ftp://127.0.0.1":             "scheme",
		"127.0.0.1:8080":              "did you mean http://127.0.0.1:8080",
		"dropbox.invalid:8080":        "did you mean https://dropbox.invalid:8080",
		"https://u:pw@h.invalid":      `"https://h.invalid" has a user name or password in it (not shown)`,
		"http://127.0.0.1/?x=1":       "query",
		"":                            "not a URL",
	}
	for s, want := range bad {
		_, err := ParseAPIURL(s, "--api-url")
		if err == nil || !strings.Contains(err.Error(), want) || exit.CodeOf(err) != exit.Usage {
			t.Errorf("ParseAPIURL(%q) = %v, want a usage error containing %q", s, err, want)
		}
	}
}

func TestHeaderSafeJSON(t *testing.T) {
	in := `{"path":"/résumé 😀.csv"}`
	got := HeaderSafeJSON(in)
	want := `{"path":"/r\u00e9sum\u00e9 \ud83d\ude00.csv"}`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	var v struct{ Path string }
	if err := json.Unmarshal([]byte(got), &v); err != nil || v.Path != "/résumé 😀.csv" {
		t.Fatalf("escaped JSON does not decode back: %v %q", err, v.Path)
	}
}

// fake is a scripted Dropbox: handler decides each response.
type fake struct {
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	headers []http.Header
	paths   []string
}

func newFake(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) *fake {
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		f.mu.Lock()
		f.headers = append(f.headers, r.Header.Clone())
		f.paths = append(f.paths, r.URL.Path)
		f.mu.Unlock()
		h(n, w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) client(t *testing.T, tok Token) *Client {
	u, err := ParseAPIURL(f.srv.URL, "--api-url")
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy
	p.InitialBackoff = time.Millisecond
	p.MaxBackoff = 5 * time.Millisecond
	p.MaxRetries = 4
	return New(Options{APIURL: u, Token: tok, Policy: &p})
}

func writeJSON(w http.ResponseWriter, code int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, v)
}

const account = `{"account_id":"dbid:1","name":{"given_name":"A","surname":"B","familiar_name":"A","display_name":"A B","abbreviated_name":"AB"},"email":"a@b.c","email_verified":true,"disabled":false,"locale":"en","referral_link":"","is_paired":false,"account_type":{".tag":"basic"},"root_info":{".tag":"user","root_namespace_id":"1","home_namespace_id":"1"},"country":"US"}`

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			http.Error(w, "boom", http.StatusInternalServerError)
		case 2:
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, `{"error_summary":"too_many_requests/","error":{"reason":{".tag":"too_many_requests"},"retry_after":0}}`)
		case 3:
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		default:
			writeJSON(w, 200, account)
		}
	})
	c := f.client(t, Token{AccessToken: "sl.static-token"})
	acct, err := c.Users.GetCurrentAccountContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if acct.Email != "a@b.c" || f.calls.Load() != 4 {
		t.Fatalf("got %v after %d calls", acct.Email, f.calls.Load())
	}
	if c.Retries.Server.Load() != 2 || c.Retries.RateLimit.Load() != 1 {
		t.Fatalf("retry counts: %s", c.Retries)
	}
	for _, h := range f.headers {
		if h.Get("Authorization") != "Bearer sl.static-token" {
			t.Fatalf("authorization header %q", h.Get("Authorization"))
		}
	}
	if f.paths[0] != "/2/users/get_current_account" {
		t.Fatalf("path %q", f.paths[0])
	}
}

func TestRetryAfterTooLongGivesUp(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, `{"error_summary":"too_many_requests/","error":{"reason":{".tag":"too_many_requests"},"retry_after":3600}}`)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	if err == nil || f.calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, f.calls.Load())
	}
	if e := Explain(err, "checking the account"); exit.CodeOf(e) != exit.Dropbox || !strings.Contains(e.Error(), "rate-limiting") {
		t.Fatalf("explained as %v", e)
	}
}

func TestRetriesWriteContentionButNotOtherConflicts(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"path":"/a"`) {
			t.Errorf("request %d lost its body on retry: %q", n, body)
		}
		if n == 1 {
			writeJSON(w, 409, `{"error_summary":"path/too_many_write_operations/..","error":{".tag":"path","path":{".tag":"too_many_write_operations"}}}`)
			return
		}
		writeJSON(w, 409, `{"error_summary":"path/conflict/folder/..","error":{".tag":"path","path":{".tag":"conflict","conflict":{".tag":"folder"}}}}`)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	_, err := c.Files.CreateFolderV2Context(context.Background(), files.NewCreateFolderArg("/a"))
	if err == nil || f.calls.Load() != 2 {
		t.Fatalf("err %v after %d calls", err, f.calls.Load())
	}
	if !HasTag(err, "conflict") || HasTag(err, "not_found") {
		t.Fatalf("summary %q", Summary(err))
	}
	if e := Explain(err, "creating /a"); !strings.Contains(e.Error(), "already there") {
		t.Fatalf("explained as %v", e)
	}
}

func TestDroppedConnectionsAreRetried(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		writeJSON(w, 200, account)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	if _, err := c.Users.GetCurrentAccountContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Retries.Network.Load() != 2 {
		t.Fatalf("retry counts: %s", c.Retries)
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	if err == nil || f.calls.Load() != 5 {
		t.Fatalf("err %v after %d calls, want 5 (1 + 4 retries)", err, f.calls.Load())
	}
	if e := Explain(err, "checking the account"); exit.CodeOf(e) != exit.Dropbox {
		t.Fatalf("explained as %v (code %d)", e, exit.CodeOf(e))
	}
}

// oauthFake serves the token endpoint and an API route that rejects
// tokens it did not issue last.
func TestRefreshesExpiredTokens(t *testing.T) {
	var issued atomic.Int64
	var current atomic.Value
	current.Store("")
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth2/token":
			r.ParseForm()
			if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "refresh-secret-1" || r.Form.Get("client_id") != "appkey" {
				writeJSON(w, 400, `{"error":"invalid_grant","error_description":"refresh token is invalid or revoked"}`)
				return
			}
			tok := fmt.Sprintf("sl.issued-%d", issued.Add(1))
			current.Store(tok)
			writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":14400}`, tok))
		default:
			if r.Header.Get("Authorization") != "Bearer "+current.Load().(string) {
				writeJSON(w, 401, `{"error_summary":"expired_access_token/","error":{".tag":"expired_access_token"}}`)
				return
			}
			writeJSON(w, 200, account)
		}
	})
	c := f.client(t, Token{AppKey: "appkey", RefreshToken: "refresh-secret-1"})
	ctx := context.Background()
	if _, err := c.Users.GetCurrentAccountContext(ctx); err != nil {
		t.Fatal(err)
	}
	if issued.Load() != 1 {
		t.Fatalf("issued %d tokens, want 1", issued.Load())
	}
	// Dropbox expires the token early: the next call gets a 401, refreshes and succeeds.
	current.Store("sl.revoked")
	if _, err := c.Users.GetCurrentAccountContext(ctx); err != nil {
		t.Fatal(err)
	}
	if issued.Load() != 2 {
		t.Fatalf("issued %d tokens, want 2", issued.Load())
	}

	// A revoked refresh token is an Auth error that says what to do.
	bad := f.client(t, Token{AppKey: "appkey", RefreshToken: "revoked"})
	_, err := bad.Users.GetCurrentAccountContext(ctx)
	e := Explain(err, "checking the account")
	if exit.CodeOf(e) != exit.Auth || !strings.Contains(e.Error(), "invalid_grant") || !strings.Contains(e.Error(), "dropbox-post auth") {
		t.Fatalf("explained as %v", e)
	}
	if strings.Contains(e.Error(), "revoked\"") || strings.Contains(e.Error(), "refresh-secret") {
		t.Fatalf("secret in error: %v", e)
	}
}

func TestExpiredStaticTokenIsAuthError(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error_summary":"expired_access_token/","error":{".tag":"expired_access_token"}}`)
	})
	c := f.client(t, Token{AccessToken: "sl.old-token"})
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	e := Explain(err, "checking the account")
	if exit.CodeOf(e) != exit.Auth || !strings.Contains(e.Error(), "expired") || f.calls.Load() != 1 {
		t.Fatalf("explained as %v after %d calls", e, f.calls.Load())
	}
}

func TestRewritesDropboxHostsAndEscapesArgs(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{".tag":"file","name":"é","path_lower":"/é","path_display":"/é","id":"id:1","client_modified":"2020-01-01T00:00:00Z","server_modified":"2020-01-01T00:00:00Z","rev":"0123456789","size":1}`)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	_, err := c.Files.UploadContext(context.Background(), files.NewUploadArg("/résumé.csv"), strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "/2/files/upload" {
		t.Fatalf("path %q", f.paths[0])
	}
	arg := f.headers[0].Get("Dropbox-API-Arg")
	if !isASCII(arg) || !strings.Contains(arg, `r\u00e9sum\u00e9`) {
		t.Fatalf("Dropbox-API-Arg not escaped: %q", arg)
	}
}

func TestInterruptIsNotRetried(t *testing.T) {
	started := make(chan struct{})
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := c.Users.GetCurrentAccountContext(ctx)
	if !errors.Is(err, context.Canceled) || f.calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, f.calls.Load())
	}
	if exit.CodeOf(Explain(err, "x")) != exit.Interrupted {
		t.Fatal("not reported as interrupted")
	}
}

func TestIdleConnectionFailsInsteadOfHanging(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, never answer
		}
	}()
	u, _ := url.Parse("http://" + ln.Addr().String())
	p := retry.Policy{MaxRetries: 1, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	c := New(Options{APIURL: u, Token: Token{AccessToken: "sl.x-token"}, Policy: &p, StallTimeout: 100 * time.Millisecond})
	// Without the stall timeout this call would hang (until go test's own
	// timeout); how long it took is no assertion (a loaded machine).
	_, err = c.Users.GetCurrentAccountContext(context.Background())
	if err == nil {
		t.Fatal("a server that never answers gave no error")
	}
	if c.Retries.Network.Load() != 1 {
		t.Fatalf("retry counts: %s", c.Retries)
	}
}

var _ = users.New

// The transport speaks HTTP/1.1 even to a server that offers HTTP/2 (see
// newBaseTransport).
func TestHTTP1OnlyWhereHTTP2IsOffered(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	if !slices.Contains(srv.TLS.NextProtos, "h2") {
		t.Fatalf("the test server offers %q, not h2", srv.TLS.NextProtos)
	}
	tr := newBaseTransport(4, time.Minute)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tr.TLSClientConfig.RootCAs = roots // trust its certificate, and change nothing else
	for i := 0; i < 2; i++ {
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 1 || string(body) != "HTTP/1.1" {
			t.Fatalf("request %d went as %s (the server saw %q)", i, resp.Proto, body)
		}
	}
	// The server's own client, for contrast, takes HTTP/2: the test can tell.
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("the test server's client went as %s: it does not offer HTTP/2", resp.Proto)
	}
}
