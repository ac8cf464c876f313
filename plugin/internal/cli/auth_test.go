package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
)

// authEmulator starts an emulator with the given apps and returns it and
// its base URL.
func authEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	srv := emutest.Serve(t, opts)
	return srv, srv.URL()
}

// authEnv is an Env without a terminal whose environment is vars.
func authEnv(stdin io.Reader, stdout, stderr io.Writer, vars map[string]string) *Env {
	return &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return vars[k] }}
}

// authCLI runs a command to the end with vars as its environment.
func authCLI(vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), authEnv(strings.NewReader(stdin), &out, &errb, vars), args)
	return code, out.String(), errb.String()
}

// session is an auth command running in-process, talking through pipes.
type session struct {
	t      *testing.T
	stdin  *io.PipeWriter
	stdout *bufio.Reader
	stderr syncBuffer
	rest   chan string // the rest of stdout, once the command ended
	code   chan int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startAuth(t *testing.T, args ...string) *session {
	return startAuthEnv(t, map[string]string{}, append([]string{"auth"}, args...))
}

// authorizeURL reads stdout up to the authorize page's URL.
func (s *session) authorizeURL() string {
	s.t.Helper()
	for {
		line, err := s.stdout.ReadString('\n')
		if strings.HasPrefix(strings.TrimSpace(line), "http") {
			go func() { b, _ := io.ReadAll(s.stdout); s.rest <- string(b) }()
			return strings.TrimSpace(line)
		}
		if err != nil {
			s.t.Fatalf("no URL on stdout; stderr: %s", s.stderr.String())
		}
	}
}

// finish types the code and returns the exit code and the rest of stdout.
func (s *session) finish(code string) (int, string) {
	s.t.Helper()
	io.WriteString(s.stdin, code+"\n")
	select {
	case c := <-s.code:
		return c, <-s.rest
	case <-time.After(3 * time.Minute): // a hang guard, generous for a loaded machine
		s.t.Fatal("auth did not finish")
	}
	return 0, ""
}

var authCode = regexp.MustCompile(`<code id="auth-code">([^<]+)</code>`)

// approve opens the authorize page as the user's browser would and returns
// the code it shows, or "" with the page's status.
func approve(t *testing.T, u string) (string, int) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := authCode.FindSubmatch(body)
	if m == nil {
		return "", resp.StatusCode
	}
	return string(m[1]), resp.StatusCode
}

func TestAuthEndToEnd(t *testing.T) {
	for _, tc := range []struct{ name, secret string }{{"pkce", ""}, {"app secret", "s3cret-of-the-app"}} {
		t.Run(tc.name, func(t *testing.T) {
			_, base := authEmulator(t, emulator.Options{Apps: []emulator.App{{Key: "app-key-1", Secret: tc.secret}}})
			key := filepath.Join(t.TempDir(), "keys", "dropbox.enc")
			os.MkdirAll(filepath.Dir(key), 0o755)
			args := []string{"--app-key", "app-key-1", "--encrypted", key, "-k", "pw", "--api-url", base, "--share"}
			if tc.secret != "" {
				args = append(args, "--app-secret", tc.secret)
			}
			s := startAuth(t, args...)
			u := s.authorizeURL()
			if !strings.HasPrefix(u, base+"/oauth2/authorize?") || !strings.Contains(u, "token_access_type=offline") ||
				!strings.Contains(u, "sharing.write") || strings.Contains(u, "code_challenge=") == (tc.secret != "") {
				t.Errorf("authorize URL %s", u)
			}
			code, status := approve(t, u)
			if code == "" {
				t.Fatalf("the authorize page gave no code (status %d)", status)
			}
			exitCode, out := s.finish("  " + code + " ")
			if exitCode != 0 {
				t.Fatalf("exit %d; stderr: %s", exitCode, s.stderr.String())
			}
			if !strings.Contains(out, "Authorized for \"Local Emulator\" <emulator@localhost>. Saved the refresh credential to "+strconv.Quote(key)) {
				t.Errorf("stdout: %s", out)
			}
			c, _, err := keyfile.Load(key, "pw")
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind() != credential.Refresh || c.AppKey() != "app-key-1" || c.AppSecret() != tc.secret {
				t.Fatalf("key file holds %v", c)
			}
			if strings.Contains(out+s.stderr.String(), c.RefreshToken()) {
				t.Error("the refresh token was printed")
			}

			// The key file works, with a fresh access token from its refresh token.
			rc, stdout, stderr := authCLI(map[string]string{"DROPBOX_API_URL": base}, "", "whoami", "--encrypted_key", key, "-k", "pw", "--dest", "/studies")
			if rc != 0 || !strings.Contains(stdout, `account:    "Local Emulator"`) || !strings.Contains(stdout, "refresh token (app key app-key-1") {
				t.Errorf("whoami with the new key file: exit %d\n%s%s", rc, stdout, stderr)
			}
		})
	}
}

func TestAuthErrors(t *testing.T) {
	_, base := authEmulator(t, emulator.Options{Apps: []emulator.App{{Key: "app-key-1"}}})
	dir := t.TempDir()
	key := filepath.Join(dir, "dropbox.enc")

	t.Run("wrong code", func(t *testing.T) {
		s := startAuth(t, "--app-key", "app-key-1", "--encrypted", key, "-k", "pw", "--api-url", base)
		s.authorizeURL()
		code, _ := s.finish("not-the-code")
		if code != 7 || !strings.Contains(s.stderr.String(), "Dropbox did not accept the code (invalid_grant)") {
			t.Errorf("exit %d; stderr: %s", code, s.stderr.String())
		}
		if _, err := os.Stat(key); err == nil {
			t.Error("a key file was written")
		}
	})

	t.Run("unknown app key", func(t *testing.T) {
		s := startAuth(t, "--app-key", "no-such-app", "--encrypted", key, "-k", "pw", "--api-url", base)
		if code, status := approve(t, s.authorizeURL()); code != "" || status != http.StatusBadRequest {
			t.Errorf("authorize page for an unknown app: code %q, status %d", code, status)
		}
		code, _ := s.finish("whatever-was-pasted")
		if code != 7 || !strings.Contains(s.stderr.String(), `Dropbox does not know app key "no-such-app"`) {
			t.Errorf("exit %d; stderr: %s", code, s.stderr.String())
		}
	})

	t.Run("no password, no terminal", func(t *testing.T) {
		code, stdout, stderr := authCLI(map[string]string{"DROPBOX_API_URL": base}, "", "auth", "--app-key", "app-key-1", "--encrypted", key)
		if code != 6 || stdout != "" || !strings.Contains(stderr, "no password given") {
			t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
		}
	})

	t.Run("existing key file", func(t *testing.T) {
		os.WriteFile(key, []byte("old"), 0o600)
		defer os.Remove(key)
		// Refused before the password is looked for (there is none).
		code, stdout, stderr := authCLI(map[string]string{"DROPBOX_API_URL": base}, "", "auth", "--app-key", "app-key-1", "--encrypted", key)
		if code != 10 || stdout != "" || !strings.Contains(stderr, "already exists: pass --force") {
			t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
		}
	})

	t.Run("no code", func(t *testing.T) {
		code, _, stderr := authCLI(map[string]string{"DROPBOX_API_URL": base}, "\n", "auth", "--app-key", "app-key-1", "--encrypted", key, "-k", "pw")
		if code != 2 || !strings.Contains(stderr, "no authorization code was given") {
			t.Errorf("exit %d, stderr %s", code, stderr)
		}
	})
}

// refreshEnv is the environment of a command holding a refresh credential
// in variables, as CI and dashboards give it.
func refreshEnv(base, appKey, refresh string) map[string]string {
	return map[string]string{"DROPBOX_API_URL": base, "DROPBOX_APP_KEY": appKey, "DROPBOX_REFRESH_TOKEN": refresh}
}

// TestRefreshShortLivedTokens: with access tokens that live one second,
// commands that hold a refresh credential in the environment keep working
// across expiries, getting new tokens by themselves.
func TestRefreshShortLivedTokens(t *testing.T) {
	srv, base := authEmulator(t, emulator.Options{TokenLifetime: time.Second})
	rt, err := srv.NewRefreshToken("app-key-1")
	if err != nil {
		t.Fatal(err)
	}
	vars := refreshEnv(base, "app-key-1", rt)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "a.csv"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "b.csv"), []byte("b"), 0o644)

	if code, out, errs := authCLI(vars, "", "push", "--no-manifest", src, "/demo"); code != 0 {
		t.Fatalf("push: exit %d\n%s%s", code, out, errs)
	}
	srv.ExpireTokens() // every token issued so far has expired (no clock: a loaded machine may take longer than their second anyway)
	if code, out, errs := authCLI(vars, "", "pull", "/demo", filepath.Join(dir, "back")); code != 0 || !strings.Contains(out, "2 downloaded") {
		t.Fatalf("pull: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := authCLI(vars, "", "verify", src, "/demo"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	if n := srv.Stats().Routes["oauth2/token"].Requests; n < 3 {
		t.Errorf("%d token requests: the commands did not refresh", n)
	}
}

// TestRefreshAfterExpiredMidway: Dropbox expires the access token in the
// middle of a pull; the pull gets a new one and finishes.
func TestRefreshAfterExpiredMidway(t *testing.T) {
	srv, _ := authEmulator(t, emulator.Options{Tokens: []string{"setup"}})
	var downloads int
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.Handler().ServeHTTP(w, r)
		if r.URL.Path == "/2/files/download" {
			mu.Lock()
			downloads++
			if downloads == 1 {
				srv.ExpireTokens()
			}
			mu.Unlock()
		}
	}))
	defer hs.Close()
	rt, _ := srv.NewRefreshToken("app-key-1")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	for _, n := range []string{"1", "2", "3"} {
		os.WriteFile(filepath.Join(src, n+".csv"), []byte(n), 0o644)
	}
	vars := refreshEnv(hs.URL, "app-key-1", rt)
	if code, out, errs := authCLI(vars, "", "push", "--no-manifest", src, "/d"); code != 0 {
		t.Fatalf("push: exit %d\n%s%s", code, out, errs)
	}
	srv.ResetStats()
	code, out, errs := authCLI(vars, "", "pull", "--parallel", "1", "/d", filepath.Join(dir, "back"))
	if code != 0 || !strings.Contains(out, "3 downloaded") {
		t.Fatalf("pull: exit %d\n%s%s", code, out, errs)
	}
	st := srv.Stats()
	if n := st.Routes["oauth2/token"].Requests; n != 2 {
		t.Errorf("%d token requests, want 2 (the first token, and one after it expired)", n)
	}
	if n := st.Routes["files/download"].Statuses["401"]; n != 1 {
		t.Errorf("%d downloads answered 401, want 1", n)
	}
}

// TestRefreshRevoked: a revoked refresh token stops every command with exit
// 7 and says what to do.
func TestRefreshRevoked(t *testing.T) {
	srv, base := authEmulator(t, emulator.Options{})
	rt, _ := srv.NewRefreshToken("app-key-1")
	if ok, err := srv.RevokeRefreshToken(rt); !ok || err != nil {
		t.Fatal(ok, err)
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"whoami"},
		{"pull", "/d", filepath.Join(dir, "back")},
		{"verify", dir, "/d"},
		{"push", "--no-manifest", dir, "/d"},
	} {
		code, _, stderr := authCLI(refreshEnv(base, "app-key-1", rt), "", args...)
		if code != 7 || !strings.Contains(stderr, `Dropbox refused the refresh token ("invalid_grant")`) || !strings.Contains(stderr, "run 'dropbox-post auth'") {
			t.Errorf("%s: exit %d, stderr %s", args[0], code, stderr)
		}
		if strings.Contains(stderr, rt) {
			t.Errorf("%s: the refresh token was printed", args[0])
		}
	}
}
