package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// The secrets of the sweep. The password holds a quote and a backslash, so
// that its JSON-escaped form differs from it.
const (
	leakPassword    = `Leak"Pass\word-93`
	leakWrongPass   = "Wrong-Leak-Pass-4411"
	leakAccessToken = "sl.LeakAccessToken-5f2b9e0c"
	leakBadToken    = "sl.LeakUnknownToken-77aa10"
	leakAppKey      = "leakappkey01"
	leakAppSecret   = "LeakAppSecret-0d4a77"
	leakWrongSecret = "LeakWrongSecret-31c5"
)

// leakLab is the world of the secrets sweep: an emulator that knows the
// secrets, behind a proxy that notes every token on the wire; a work
// directory (the current directory) with studies and key files; and every
// output of every command, checked at the end against every secret known
// by then.
type leakLab struct {
	t       *testing.T
	srv     *emulator.Server
	base    string
	dir     string
	before  map[string][32]byte // the files there before any command ran
	refresh string              // a refresh token of the app
	revoked string              // a refresh token revoked before use

	mu      sync.Mutex
	secrets map[string]string // value → name
	outputs []leakOutput
}

// leakOutput is one stream of one command, and the secrets it must show
// (only decrypt and secrets export show any).
type leakOutput struct {
	where string
	data  []byte
	shows []string
}

func newLeakLab(t *testing.T) *leakLab {
	l := &leakLab{t: t, dir: t.TempDir(), secrets: map[string]string{}}
	for name, v := range map[string]string{
		"password": leakPassword, "wrong password": leakWrongPass, "access token": leakAccessToken,
		"unknown access token": leakBadToken, "app secret": leakAppSecret, "wrong app secret": leakWrongSecret,
	} {
		l.secrets[v] = name
	}
	l.srv, l.base = emutest.ServeBehind(t, emulator.Options{
		Tokens: []string{leakAccessToken},
		Apps:   []emulator.App{{Key: leakAppKey, Secret: leakAppSecret}},
	}, func(http.Handler) http.Handler { return http.HandlerFunc(l.proxy) })
	srv := l.srv
	var err error
	if l.refresh, err = srv.NewRefreshToken(leakAppKey); err != nil {
		t.Fatal(err)
	}
	if l.revoked, err = srv.NewRefreshToken(leakAppKey); err != nil {
		t.Fatal(err)
	}
	if ok, err := srv.RevokeRefreshToken(l.revoked); !ok || err != nil {
		t.Fatal("revoke:", ok, err)
	}
	l.addSecret("refresh token", l.refresh)
	l.addSecret("revoked refresh token", l.revoked)
	return l
}

func (l *leakLab) addSecret(name string, values ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range values {
		if v != "" && l.secrets[v] == "" {
			l.secrets[v] = name
		}
	}
}

// proxy passes requests to the emulator, noting the access tokens they
// carry and the tokens the token endpoint gives out.
func (l *leakLab) proxy(w http.ResponseWriter, r *http.Request) {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		l.addSecret("access token seen on the wire", tok)
	}
	if r.URL.Path != "/oauth2/token" {
		l.srv.Handler().ServeHTTP(w, r)
		return
	}
	tw := &teeWriter{ResponseWriter: w}
	l.srv.Handler().ServeHTTP(tw, r)
	var resp struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(tw.body.Bytes(), &resp) == nil {
		l.addSecret("access token Dropbox gave", resp.AccessToken)
		l.addSecret("refresh token Dropbox gave", resp.RefreshToken)
	}
}

type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// write creates the lab's input files (relative to its directory).
func (l *leakLab) write(files map[string]string) {
	for name, content := range files {
		p := filepath.Join(l.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			l.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			l.t.Fatal(err)
		}
	}
}

// snapshot remembers the files there now, so that sweep reads only what
// the commands wrote.
func (l *leakLab) snapshot() {
	l.before = l.hashes()
}

func (l *leakLab) hashes() map[string][32]byte {
	m := map[string][32]byte{}
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m[p] = sha256.Sum256(data)
		return nil
	})
	if err != nil {
		l.t.Fatal(err)
	}
	return m
}

// leakCase is one command line of the sweep.
type leakCase struct {
	name  string
	args  []string
	env   map[string]string
	code  int      // the exit code it must end with
	shows []string // secrets its stdout must show (decrypt, secrets export)
}

// logVariants are the log settings every case runs with.
var logVariants = [][]string{{"--verbose"}, {"--verbose", "--log-format=json"}}

// run runs c in-process with each log variant, checks its exit code and
// keeps its output for check.
func (l *leakLab) run(c leakCase) {
	l.t.Helper()
	for _, v := range logVariants {
		// HOME in the lab: push keeps its manifests in the user's data
		// folder, which the sweep must read too.
		vars := map[string]string{"DROPBOX_API_URL": l.base, "HOME": filepath.Join(l.dir, "home")}
		for k, val := range c.env {
			vars[k] = val
		}
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
		code := run(context.Background(), env, append(slices.Clone(c.args), v...))
		where := c.name + " " + strings.Join(v, " ")
		if code != c.code {
			l.t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", where, code, c.code, out.String(), errb.String())
		}
		l.keep(where+": stdout", out.Bytes(), c.shows)
		l.keep(where+": stderr", errb.Bytes(), nil)
	}
}

func (l *leakLab) keep(where string, data []byte, shows []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.outputs = append(l.outputs, leakOutput{where: where, data: slices.Clone(data), shows: shows})
}

// auth runs the auth command with each log variant, answering the code
// the emulator's authorize page shows (or code, if not empty).
func (l *leakLab) auth(name string, args []string, code string, want int) {
	l.t.Helper()
	for _, v := range logVariants {
		where := name + " " + strings.Join(v, " ")
		got, stdout, stderr := l.authOnce(append(append([]string{"auth"}, args...), v...), code)
		if got != want {
			l.t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", where, got, want, stdout, stderr)
		}
		l.keep(where+": stdout", []byte(stdout), nil)
		l.keep(where+": stderr", []byte(stderr), nil)
	}
}

func (l *leakLab) authOnce(args []string, code string) (int, string, string) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	defer inW.Close()
	var stderr syncBuffer
	env := &Env{Stdin: inR, Stdout: outW, Stderr: &stderr, Getenv: func(k string) string {
		if k == "DROPBOX_API_URL" {
			return l.base
		}
		return ""
	}}
	exitCode := make(chan int, 1)
	go func() {
		exitCode <- run(context.Background(), env, args)
		outW.Close()
	}()
	urls := make(chan string, 1)
	var stdout bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		br := bufio.NewReader(outR)
		for {
			line, err := br.ReadString('\n')
			stdout.WriteString(line)
			if u := strings.TrimSpace(line); strings.HasPrefix(u, "http") {
				urls <- u
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case u := <-urls:
		if code == "" {
			var status int
			if code, status = approve(l.t, u); code == "" {
				l.t.Errorf("%v: the authorize page gave no code (status %d)", args, status)
			}
			l.addSecret("authorization code", code)
		}
		io.WriteString(inW, code+"\n")
	case <-read:
	case <-time.After(3 * time.Minute): // a hang guard, generous for a loaded machine
		l.t.Fatalf("%v: no authorize page on stdout", args)
	}
	var got int
	select {
	case got = <-exitCode:
	case <-time.After(3 * time.Minute): // a hang guard, generous for a loaded machine
		l.t.Fatalf("%v: auth did not finish", args)
	}
	<-read
	return got, stdout.String(), stderr.String()
}

// forms returns s as it may appear in an output or a file: as is,
// JSON-escaped, XML-escaped, URL-escaped, and in base64.
func forms(s string) []string {
	j, _ := json.Marshal(s)
	out := []string{s, strings.Trim(string(j), `"`), html.EscapeString(s), url.QueryEscape(s),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
	slices.Sort(out)
	return slices.Compact(out)
}

// found returns the names of the secrets data holds, in any form, leaving
// out those in allowed.
func (l *leakLab) found(data []byte, allowed []string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	for v, name := range l.secrets {
		if slices.Contains(allowed, v) {
			continue
		}
		for _, f := range forms(v) {
			if bytes.Contains(data, []byte(f)) {
				names = append(names, name)
				break
			}
		}
	}
	slices.Sort(names)
	return names
}

// check looks for every secret in every kept output. An output that must
// show secrets is checked to show them, and no other.
func (l *leakLab) check() {
	l.t.Helper()
	for _, o := range l.outputs {
		for _, s := range o.shows {
			if !bytes.Contains(o.data, []byte(s)) {
				l.t.Errorf("%s does not show the %s:\n%s", o.where, l.secrets[s], o.data)
			}
		}
		if names := l.found(o.data, o.shows); len(names) > 0 {
			l.t.Errorf("%s holds the %s:\n%s", o.where, strings.Join(names, ", "), o.data)
		}
		// The redactor is a last line of defence: if it had to act, a
		// secret reached a message, and where it stood shows.
		if bytes.Contains(o.data, []byte("<redacted>")) {
			l.t.Errorf("%s: the redactor had to hide a secret (it reached a message):\n%s", o.where, o.data)
		}
	}
}

// sweep reads every file the commands wrote or changed, checks that none
// holds a secret, and returns their names relative to the lab.
func (l *leakLab) sweep() []string {
	l.t.Helper()
	var written []string
	for p, sum := range l.hashes() {
		if old, ok := l.before[p]; ok && old == sum {
			continue
		}
		rel, _ := filepath.Rel(l.dir, p)
		written = append(written, filepath.ToSlash(rel))
		data, err := os.ReadFile(p)
		if err != nil {
			l.t.Fatal(err)
		}
		if names := l.found(data, nil); len(names) > 0 {
			l.t.Errorf("%s holds the %s", rel, strings.Join(names, ", "))
		}
	}
	slices.Sort(written)
	return written
}
