package dbx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// elsewhere is another listener, where a hostile API server redirects: it
// records everything that reaches it.
type elsewhere struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method, path, Authorization and body of each request
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		e.mu.Unlock()
		writeJSON(w, 200, account)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// A redirect from the API server, of any kind, to another listener is not
// followed: the bearer token, or the refresh token and app secret, never
// reach it, and the error names both hosts.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	other := newElsewhere(t)
	otherHost := strings.TrimPrefix(other.srv.URL, "http://")
	cases := []struct {
		name   string
		status int
		tok    Token
		where  string // "api": the API route redirects; "token": the token endpoint does
		loc    string
		calls  int64 // requests the API server gets: none again after the redirect
	}{
		{"bearer 307", http.StatusTemporaryRedirect, Token{AccessToken: "sl.bearer-secret"}, "api", other.srv.URL + "/2/users/get_current_account", 1},
		{"bearer 308", http.StatusPermanentRedirect, Token{AccessToken: "sl.bearer-secret"}, "api", other.srv.URL + "/x", 1},
		{"bearer 302", http.StatusFound, Token{AccessToken: "sl.bearer-secret"}, "api", other.srv.URL + "/x", 1},
		{"bearer 301 relative", http.StatusMovedPermanently, Token{AccessToken: "sl.bearer-secret"}, "api", "/elsewhere", 1},
		{"refresh 307 at the token endpoint", http.StatusTemporaryRedirect, Token{AppKey: "appkey", AppSecret: "app-secret-1", RefreshToken: "refresh-secret-1"}, "token", other.srv.URL + "/oauth2/token", 1},
		{"refresh 307 at the API", http.StatusTemporaryRedirect, Token{AppKey: "appkey", AppSecret: "app-secret-1", RefreshToken: "refresh-secret-1"}, "api", other.srv.URL + "/2/users/get_current_account", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var relative []string
			f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				isToken := r.URL.Path == "/oauth2/token"
				switch {
				case r.URL.Path == "/elsewhere":
					relative = append(relative, r.Header.Get("Authorization"))
					writeJSON(w, 200, account)
				case isToken == (tc.where == "token"):
					w.Header().Set("Location", tc.loc)
					w.WriteHeader(tc.status)
				case isToken:
					writeJSON(w, 200, `{"access_token":"sl.issued","token_type":"bearer","expires_in":14400}`)
				default:
					writeJSON(w, 200, account)
				}
			})
			before := len(other.requests())
			c := f.client(t, tc.tok)
			_, err := c.Users.GetCurrentAccountContext(context.Background())
			if got := other.requests()[before:]; len(got) != 0 {
				t.Fatalf("the other listener received %q", got)
			}
			if len(relative) != 0 {
				t.Fatalf("a relative redirect was followed, with %q", relative)
			}
			if f.calls.Load() != tc.calls {
				t.Errorf("%d calls to the API server: the redirect was retried", f.calls.Load())
			}
			e := Explain(err, "checking the account")
			from := strings.TrimPrefix(f.srv.URL, "http://")
			to := otherHost
			if strings.HasPrefix(tc.loc, "/") {
				to = from
			}
			msg := e.Error()
			if exit.CodeOf(e) != exit.Protocol || !strings.Contains(msg, `the server at "`+from+`"`) || !strings.Contains(msg, `) to "http://`+to+`": not followed`) {
				t.Fatalf("explained as %q (code %d)", msg, exit.CodeOf(e))
			}
			for _, secret := range []string{"sl.bearer-secret", "refresh-secret-1", "app-secret-1", "sl.issued"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("secret %q in %q", secret, msg)
				}
			}
		})
	}
}

// The client for the OAuth code exchange (auth) does not follow a
// redirect either: the code, the PKCE verifier or the app secret stay here.
func TestOAuthClientDoesNotFollowRedirects(t *testing.T) {
	other := newElsewhere(t)
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/oauth2/token", http.StatusTemporaryRedirect)
	})
	u, _ := url.Parse(f.srv.URL)
	hc := OAuthHTTPClient(Options{APIURL: u})
	resp, err := hc.PostForm("https://api.dropboxapi.com/oauth2/token", url.Values{"code": {"the-code"}, "client_secret": {"app-secret-1"}})
	if err == nil {
		resp.Body.Close()
		t.Fatal("a redirect was followed")
	}
	if got := other.requests(); len(got) != 0 {
		t.Fatalf("the other listener received %q", got)
	}
	if exit.CodeOf(Explain(err, "exchanging the code")) != exit.Protocol {
		t.Fatalf("explained as %v", Explain(err, "exchanging the code"))
	}
}

// Whatever a client was built with, a request never goes in clear to a
// host that is not loopback.
func TestNoPlainHTTPBeyondLoopback(t *testing.T) {
	u, _ := url.Parse("http://dropbox.invalid:8080")
	c := New(Options{APIURL: u, Token: Token{AccessToken: "sl.bearer-secret"}})
	_, err := c.Files.GetMetadataContext(context.Background(), files.NewGetMetadataArg("/a"))
	e := Explain(err, "looking up")
	if exit.CodeOf(e) != exit.Protocol || !strings.Contains(e.Error(), "in clear") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}
