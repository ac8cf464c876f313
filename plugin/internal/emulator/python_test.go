package emulator_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/emulator"
)

// The official Dropbox Python SDK as a third client (after the Go and
// JavaScript SDKs): Debian's python3-dropbox package. Its generated Stone
// validators check lengths, patterns and required fields of every answer,
// which the Go and JavaScript SDKs do not.
//
// The SDK has no base-URL option: it always speaks https:// to the hosts
// named by DROPBOX_API_HOST, DROPBOX_API_CONTENT_HOST and DROPBOX_WEB_HOST
// (environment variables it reads when imported), and requests trusts the
// certificate in REQUESTS_CA_BUNDLE. So the harness serves the emulator
// over HTTPS on 127.0.0.1 with a test certificate and sets those variables
// for the Python process alone; the scripts themselves are unchanged code
// that would run against Dropbox.

// pythonEnvVar names an interpreter to use instead of the search.
const pythonEnvVar = "DROPBOX_SDK_PYTHON"

// pythonFound caches what pythonSDK found (the SDK takes a while to import).
var (
	pythonMu    sync.Mutex
	pythonFound string
)

// pythonSDK returns a Python interpreter that imports the SDK (and tomllib,
// Python 3.11+). Without one the test fails, in CI and locally alike,
// saying how to install it: no test skips itself.
func pythonSDK(t *testing.T) string {
	t.Helper()
	pythonMu.Lock()
	defer pythonMu.Unlock()
	if pythonFound != "" {
		return pythonFound
	}
	candidates := []string{"/usr/bin/python3", "python3"}
	if p := os.Getenv(pythonEnvVar); p != "" {
		candidates = []string{p}
	}
	var tried []string
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, c+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", "import dropbox, tomllib; print(dropbox.__version__)").CombinedOutput()
		if err == nil {
			t.Logf("Python SDK: %s with dropbox %s", path, strings.TrimSpace(string(out)))
			pythonFound = path
			return path
		}
		tried = append(tried, path+": cannot import dropbox and tomllib")
	}
	t.Fatalf("\n*** The official Dropbox Python SDK is missing (%s).\n"+
		"*** Install it: sudo apt-get update && sudo apt-get install -y python3-dropbox\n"+
		"*** (Debian's package, for /usr/bin/python3), or set %s to a Python 3.11+ that imports dropbox.\n"+
		"*** Then run make test again.", strings.Join(tried, "; "), pythonEnvVar)
	return ""
}

// pythonDir is interop/python.
func pythonDir(t *testing.T) string {
	dir, err := filepath.Abs("../../../interop/python")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	pyToken     = "python-token"
	pyAppKey    = "py-app-key"
	pyAppSecret = "py-app-secret"
)

// tlsEmulator is an emulator served over HTTPS for the Python SDK, with
// two more behind it for requests that carry Emulator-Test-Backend:
// "throttle" (every request answered 429) and "fail" (500/503).
type tlsEmulator struct {
	*emulator.Server
	host string // 127.0.0.1:port
	ca   string // PEM file of its certificate
}

func startTLS(t *testing.T, opts emulator.Options) *tlsEmulator {
	t.Helper()
	opts.Tokens = append(opts.Tokens, pyToken)
	opts.Apps = append(opts.Apps, emulator.App{Key: pyAppKey, Secret: pyAppSecret})
	newServer := func(o emulator.Options) *emulator.Server {
		s, err := emulator.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	main := newServer(opts)
	throttle := newServer(emulator.Options{Tokens: []string{pyToken}, ThrottleRate: 1, RetryAfter: time.Millisecond})
	fail := newServer(emulator.Options{Tokens: []string{pyToken}, FailRate: 1})
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Emulator-Test-Backend") {
		case "throttle":
			throttle.Handler().ServeHTTP(w, r)
		case "fail":
			fail.Handler().ServeHTTP(w, r)
		default:
			main.Handler().ServeHTTP(w, r)
		}
	}))
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := filepath.Join(t.TempDir(), "emulator-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return &tlsEmulator{Server: main, host: strings.TrimPrefix(ts.URL, "https://"), ca: ca}
}

// runPython runs a script of interop/python against e and returns its
// output; it fails the test when the script fails.
func runPython(t *testing.T, e *tlsEmulator, extraEnv []string, args ...string) string {
	t.Helper()
	py := pythonSDK(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = pythonDir(t)
	env := []string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DROPBOX_") || strings.HasSuffix(strings.ToUpper(name), "_PROXY") ||
			name == "CURL_CA_BUNDLE" || name == "PYTHONPATH" {
			continue // nothing from outside decides where the SDK goes
		}
		env = append(env, kv)
	}
	cmd.Env = append(env,
		"DROPBOX_API_HOST="+e.host, "DROPBOX_API_CONTENT_HOST="+e.host,
		"DROPBOX_API_NOTIFY_HOST="+e.host, "DROPBOX_WEB_HOST="+e.host,
		"REQUESTS_CA_BUNDLE="+e.ca, "NO_PROXY=*", "PYTHONDONTWRITEBYTECODE=1",
		"DROPBOX_TOKEN="+pyToken, "APP_KEY="+pyAppKey, "APP_SECRET="+pyAppSecret)
	cmd.Env = append(cmd.Env, extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("%s %s:\n%s", filepath.Base(py), strings.Join(args, " "), out.String())
	if err != nil {
		t.Fatalf("%s failed: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// TestPythonSDKInterop runs interop/python/interop.py: every route the
// emulator serves, driven through the official Python SDK, with errors,
// OAuth (PKCE, secret, refresh, revoke), sharing and listing resets.
func TestPythonSDKInterop(t *testing.T) {
	rec := &recorder{}
	e := startTLS(t, emulator.Options{Record: rec.add})
	out := runPython(t, e, nil, "interop.py")
	if !strings.Contains(out, "python interop: 12 passed, 0 failed") {
		t.Fatalf("not every check ran and passed")
	}
	// Every route of the emulator was called, and each got an answer.
	var missed []string
	for name, rs := range e.Stats().Routes {
		if name == "unknown" || strings.HasPrefix(name, "oauth2/") {
			continue
		}
		if rs.Requests == 0 || !strings.Contains(out, " "+name) {
			missed = append(missed, name)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("routes the Python SDK did not drive: %v", missed)
	}
	if n := e.Stats().Routes["oauth2/token"].Statuses["200"]; n < 4 {
		t.Errorf("oauth2/token answered 200 %d times, want the PKCE and secret exchanges and refreshes", n)
	}
	if _, data, err := e.File("/interop/big.bin"); err != nil || len(data) != 2*(4<<20)+4 {
		t.Errorf("big.bin: %d bytes, %v", len(data), err)
	}

	// The SDK decodes answers leniently (unknown fields pass): every answer
	// of the session, errors included, goes through the strict oracle too.
	file := rec.write(t)
	if out := runPython(t, e, nil, "validate.py", file); !strings.Contains(out, " 0 violations") {
		t.Fatal("the emulator's answers to the Python SDK do not fit the spec")
	}
}
