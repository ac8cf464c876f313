// Package interop runs official Dropbox SDKs against the emulator, for
// tests: the Python scripts in python/ (the Python SDK as a client, and
// validate.py, which checks recorded exchanges against Dropbox's Stone
// types) are embedded here and written out for each run; js/ holds the
// JavaScript SDK's script, which the emulator's own test runs with node
// from that folder (its npm packages are installed there by make test).
//
// The Python SDK is Debian's python3-dropbox, for /usr/bin/python3, or the
// interpreter named by DROPBOX_SDK_PYTHON. Without it a test fails, saying
// how to install it: no test skips itself.
package interop

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

//go:embed python/*.py
var pythonFiles embed.FS

// PythonScript returns the text of one of the Python scripts.
func PythonScript(t testing.TB, name string) []byte {
	t.Helper()
	b, err := pythonFiles.ReadFile("python/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pythonDir writes the Python scripts into a folder of the test's and
// returns it.
func pythonDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	sub, _ := fs.Sub(pythonFiles, "python")
	if err := os.CopyFS(dir, sub); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pythonEnvVar names an interpreter to use instead of the search.
const pythonEnvVar = "DROPBOX_SDK_PYTHON"

// pythonFound caches what Python found (the SDK takes a while to import).
var (
	pythonMu    sync.Mutex
	pythonFound string
)

// Python returns a Python interpreter that imports the SDK (and tomllib,
// Python 3.11+). Without one the test fails, in CI and locally alike,
// saying how to install it.
func Python(t testing.TB) string {
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

// The credentials the Python scripts use (DROPBOX_TOKEN, APP_KEY,
// APP_SECRET), accepted by every emulator StartTLS starts.
const (
	Token     = "python-token"
	AppKey    = "py-app-key"
	AppSecret = "py-app-secret"
)

// TLSEmulator is an emulator served over HTTPS for the Python SDK, with
// two more behind it for requests that carry Emulator-Test-Backend:
// "throttle" (every request answered 429) and "fail" (500/503).
//
// The SDK has no base-URL option: it always speaks https:// to the hosts
// named by DROPBOX_API_HOST, DROPBOX_API_CONTENT_HOST and DROPBOX_WEB_HOST
// (environment variables it reads when imported), and requests trusts the
// certificate in REQUESTS_CA_BUNDLE. So the emulator is served over HTTPS
// on 127.0.0.1 with a test certificate, and those variables are set for
// the Python process alone; the scripts themselves are unchanged code that
// would run against Dropbox.
type TLSEmulator struct {
	*emulator.Server
	host string // 127.0.0.1:port
	ca   string // PEM file of its certificate
}

// StartTLS starts a TLSEmulator with opts (plus Token, AppKey and
// AppSecret), closed when the test ends.
func StartTLS(t testing.TB, opts emulator.Options) *TLSEmulator {
	t.Helper()
	opts.Tokens = append(opts.Tokens, Token)
	opts.Apps = append(opts.Apps, emulator.App{Key: AppKey, Secret: AppSecret})
	newServer := func(o emulator.Options) *emulator.Server {
		s, err := emulator.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	main := newServer(opts)
	throttle := newServer(emulator.Options{Tokens: []string{Token}, ThrottleRate: 1, RetryAfter: time.Millisecond})
	fail := newServer(emulator.Options{Tokens: []string{Token}, FailRate: 1})
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
	return &TLSEmulator{Server: main, host: strings.TrimPrefix(ts.URL, "https://"), ca: ca}
}

// RunPython runs one of the Python scripts (args[0]) against e and returns
// its output; it fails the test when the script fails.
func (e *TLSEmulator) RunPython(t testing.TB, extraEnv []string, args ...string) string {
	t.Helper()
	return runPython(t, append([]string{
		"DROPBOX_API_HOST=" + e.host, "DROPBOX_API_CONTENT_HOST=" + e.host,
		"DROPBOX_API_NOTIFY_HOST=" + e.host, "DROPBOX_WEB_HOST=" + e.host,
		"REQUESTS_CA_BUNDLE=" + e.ca, "NO_PROXY=*",
		"DROPBOX_TOKEN=" + Token, "APP_KEY=" + AppKey, "APP_SECRET=" + AppSecret}, extraEnv...), args...)
}

// Validate runs validate.py on a file of recorded exchanges (with more
// arguments, such as --catch-all-ok) and returns its output; it fails the
// test when validate.py fails.
func Validate(t testing.TB, file string, args ...string) string {
	t.Helper()
	return runPython(t, nil, append([]string{"validate.py", file}, args...)...)
}

// ValidateBad runs validate.py on a file of exchanges that do not fit the
// spec and returns its output and its error, which a test wants non-nil.
func ValidateBad(t testing.TB, file string) (string, error) {
	t.Helper()
	cmd := exec.Command(Python(t), "validate.py", file)
	cmd.Dir = pythonDir(t)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// runPython runs python args in the scripts' folder, with the environment
// of the test minus anything that could send the SDK elsewhere, plus env.
func runPython(t testing.TB, env []string, args ...string) string {
	t.Helper()
	py := Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = pythonDir(t)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DROPBOX_") || strings.HasSuffix(strings.ToUpper(name), "_PROXY") ||
			name == "CURL_CA_BUNDLE" || name == "PYTHONPATH" {
			continue // nothing from outside decides where the SDK goes
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(append(cmd.Env, "PYTHONDONTWRITEBYTECODE=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("%s %s:\n%s", filepath.Base(py), strings.Join(args, " "), out.String())
	if err != nil {
		t.Fatalf("%s failed: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// Recorder collects the exchanges an emulator records (pass its Add as
// emulator.Options.Record).
type Recorder struct {
	mu  sync.Mutex
	all []emulator.Exchange
}

// Add records one exchange.
func (r *Recorder) Add(e emulator.Exchange) {
	r.mu.Lock()
	r.all = append(r.all, e)
	r.mu.Unlock()
}

// Routes returns the routes called so far.
func (r *Recorder) Routes() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	routes := map[string]bool{}
	for _, e := range r.all {
		routes[e.Route] = true
	}
	return routes
}

// Write writes the exchanges as JSON lines to a file of the test's and
// returns its path.
func (r *Recorder) Write(t testing.TB) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	return WriteExchanges(t, r.all)
}

// WriteExchanges writes es as JSON lines to a file of the test's and
// returns its path.
func WriteExchanges(t testing.TB, es []emulator.Exchange) string {
	t.Helper()
	var lines bytes.Buffer
	for _, e := range es {
		b, _ := json.Marshal(e)
		lines.Write(append(b, '\n'))
	}
	file := filepath.Join(t.TempDir(), "exchanges.jsonl")
	if err := os.WriteFile(file, lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
