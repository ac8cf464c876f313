package modes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/cli"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// mode is one way the emulator can be as strict as the real Dropbox.
type mode struct {
	name string
	set  func(o *emulator.Options)
	// resends: the mode makes the client send some data again, rightly
	// (a request refused after its body was read); the bound on the bytes
	// sent is not checked under it.
	resends bool
	// met is a fault the emulator counts when the mode bites, which the
	// job must meet (so that the mode is proven, not merely on); never is
	// one the client must never provoke.
	met, never string
}

const (
	dest       = "/Modes"
	document   = dest + "/docs/Notes.paper"
	restricted = "/restricted/clip.mp4"
	token      = "modes-token"
)

// modes are every mode of the emulator in which the client must do its
// whole job. Left out, on purpose: --omit-listing-hash (a listing without
// content hashes cannot show a file unchanged: push sends it again and
// verify says it could not be compared, as documented) and the random
// faults of --fail-rate and --reset-rate (package proof's soak).
var modes = []mode{
	// Strict answers (strict.go).
	{name: "strict-finish-batch-concurrent", set: func(o *emulator.Options) { o.Strict.FinishBatchConcurrent = true }},
	{name: "refuse-empty-append-entry", set: func(o *emulator.Options) { o.Strict.RefuseEmptyAppend = emulator.RefuseEntry }},
	{name: "refuse-empty-append-request", set: func(o *emulator.Options) { o.Strict.RefuseEmptyAppend = emulator.RefuseRequest }},
	{name: "omit-content-hash", set: func(o *emulator.Options) { o.Strict.OmitContentHash = true }},
	{name: "refuse-empty-chunked", set: func(o *emulator.Options) { o.Strict.RefuseEmptyChunked = true }},
	{name: "write-contention", set: func(o *emulator.Options) { o.WriteContention = true }},
	// The service's limits (limits.go).
	{name: "header-limit-431", set: func(o *emulator.Options) { o.Limits.MaxHeaderBytes = 4 << 10 }, resends: true, met: "header_limit"},
	{name: "header-limit-413", set: func(o *emulator.Options) {
		o.Limits.MaxHeaderBytes, o.Limits.HeaderLimitStatus = 4<<10, 413
	}, resends: true, met: "header_limit"},
	{name: "header-limit-400", set: func(o *emulator.Options) {
		o.Limits.MaxHeaderBytes, o.Limits.HeaderLimitStatus = 4<<10, 400
	}, resends: true, met: "header_limit"},
	{name: "contention-entry", set: func(o *emulator.Options) {
		o.Limits.Contention, o.Limits.ContentionShape = time.Second, emulator.ShapeEntry
	}},
	{name: "contention-call", set: func(o *emulator.Options) {
		o.Limits.Contention, o.Limits.ContentionShape = time.Second, emulator.ShapeCall
	}},
	{name: "contention-mixed", set: func(o *emulator.Options) {
		o.Limits.Contention, o.Limits.ContentionShape = time.Second, emulator.ShapeMixed
	}},
	{name: "quota", set: func(o *emulator.Options) { o.Limits.Quota = 64 << 20 }},
	{name: "quota-team", set: func(o *emulator.Options) { o.Limits.Quota, o.Limits.QuotaTeam = 64<<20, true }},
	{name: "session-ttl", set: func(o *emulator.Options) { o.Limits.SessionTTL = time.Minute }},
	// Its answers (answers.go).
	{name: "document", set: func(o *emulator.Options) { o.Answers.Documents = []string{document} }},
	{name: "restricted", set: func(o *emulator.Options) { o.Answers.Restricted = []string{restricted} }},
	{name: "malformed-token-shape", set: func(o *emulator.Options) { o.Answers.MalformedToken = emulator.MalformedShape }},
	{name: "malformed-token-all", set: func(o *emulator.Options) { o.Answers.MalformedToken = emulator.MalformedAll }},
	{name: "ratelimit-text", set: func(o *emulator.Options) {
		o.Answers.RateLimitText, o.ThrottleRate, o.RetryAfter = true, 0.2, time.Nanosecond
	}, resends: true, met: "throttle"},
	{name: "summary-noise", set: func(o *emulator.Options) { o.Answers.SummaryNoise = true }},
	{name: "list-concurrency", set: func(o *emulator.Options) { o.Answers.ListConcurrency = true }, never: "list_concurrency"},
	// Its ways with names (names.go).
	{name: "nfc", set: func(o *emulator.Options) { o.Names.NFC = true }},
	{name: "non-bmp-names-refuse", set: func(o *emulator.Options) { o.Names.NonBMP = emulator.NonBMPRefuse }},
	{name: "non-bmp-names-400", set: func(o *emulator.Options) { o.Names.NonBMP = emulator.NonBMP400 }},
	{name: "ascii-arg", set: func(o *emulator.Options) { o.Names.ASCIIArg = true }},
	{name: "display-case-request", set: func(o *emulator.Options) { o.Names.Display = emulator.DisplayRequest }},
	{name: "display-case-lower", set: func(o *emulator.Options) { o.Names.Display = emulator.DisplayLower }},
	{name: "display-case-random", set: func(o *emulator.Options) { o.Names.Display = emulator.DisplayRandom }},
}

// TestClientUnderEveryMode runs the client's whole job under each mode,
// then under all of them at once.
func TestClientUnderEveryMode(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			o := emulator.Options{Seed: 20}
			m.set(&o)
			faults := job(t, o, m.resends)
			if m.met != "" && faults[m.met] == 0 {
				t.Errorf("the mode never bit: no %s fault in %v", m.met, faults)
			}
			if m.never != "" && faults[m.never] != 0 {
				t.Errorf("the client provoked %d %s faults", faults[m.never], m.never)
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		o := emulator.Options{Seed: 20}
		for _, m := range modes {
			m.set(&o)
		}
		faults := job(t, o, true)
		for _, m := range modes {
			if m.never != "" && faults[m.never] != 0 {
				t.Errorf("the client provoked %d %s faults", faults[m.never], m.never)
			}
		}
	})
}

// tree is the local folder pushed: small files with awkward names (each
// name valid on Dropbox and here), an empty one, a large one sent in
// chunks, and many small ones.
func tree() map[string][]byte {
	large := make([]byte, 9<<20+123)
	x := uint32(20)
	for i := range large {
		x = x*1664525 + 1013904223
		large[i] = byte(x >> 24)
	}
	files := map[string][]byte{
		"a.csv":                          []byte("metric,value\nndcg,0.31\n"),
		"spaces in name.txt":             []byte("spaces\n"),
		"Ünïcödé/naïve café.csv":         []byte("unicode, composed\n"),
		`quote's "double".txt`:           []byte("quotes\n"),
		"-leading-dash.txt":              []byte("dash\n"),
		"semi;colon & amp #hash%20.txt":  []byte("punctuation\n"),
		"empty.log":                      nil,
		"Sub/Deep/b.csv":                 []byte("precision,0.12\n"),
		"Sub/Deep/UPPER lower MiXeD.txt": []byte("case\n"),
		"models/final.bin":               large,
	}
	for i := 0; i < 120; i++ { // enough for append_batch headers past 4 KiB
		files[fmt.Sprintf("many/run %03d.txt", i)] = []byte(fmt.Sprintf("run %d\n", i))
	}
	return files
}

// job is the client's whole job under the emulator with o: push, push
// again, verify, pull, and what each must do. It returns the faults the
// emulator counted.
func job(t *testing.T, o emulator.Options, resends bool) map[string]int64 {
	o.Tokens = append(o.Tokens, token)
	srv := emutest.Serve(t, o)
	faults := map[string]int64{}
	count := func() {
		for k, n := range srv.Stats().Faults {
			faults[k] += n
		}
	}
	dir := t.TempDir()
	local := filepath.Join(dir, "results")
	want := tree()
	var total int64
	for rel, data := range want {
		write(t, filepath.Join(local, filepath.FromSlash(rel)), data)
		total += int64(len(data))
	}
	manifests := filepath.Join(dir, "manifests")
	env := map[string]string{"DROPBOX_API_URL": srv.URL(), "DROPBOX_ACCESS_TOKEN": token, "HOME": filepath.Join(dir, "home")}

	// The push: every file sent, once.
	var sum report.Summary
	run(t, env, 0, &sum, "push", "--output", "json", "--manifest-dir", manifests, local, dest)
	if sum.Uploaded != len(want) || sum.Failed != 0 {
		t.Fatalf("push: %d uploaded, %d failed, want %d and 0: %+v", sum.Uploaded, sum.Failed, len(want), sum.Failures)
	}
	sent := uploadBytes(srv)
	if !resends && sent > total+total/5 {
		t.Errorf("push: the emulator received %d bytes of file data for %d bytes of files (more than 1.2 times)", sent, total)
	}
	held := map[string]bool{}
	for _, f := range srv.Files() {
		held[strings.ToLower(f.Path)] = true
	}
	for rel := range want {
		if !held[strings.ToLower(dest+"/"+rel)] {
			t.Errorf("push: Dropbox does not hold %q", rel)
		}
	}

	// The same push again: nothing to send, no new manifest.
	count()
	srv.ResetStats()
	sum = report.Summary{}
	run(t, env, 0, &sum, "push", "--output", "json", "--manifest-dir", manifests, local, dest)
	if sum.Uploaded != 0 || sum.Unchanged != len(want) || sum.Failed != 0 {
		t.Errorf("push again: %d uploaded, %d unchanged, %d failed, want 0, %d, 0", sum.Uploaded, sum.Unchanged, sum.Failed, len(want))
	}
	if n := uploadBytes(srv); n != 0 {
		t.Errorf("push again: %d bytes of file data sent", n)
	}
	if entries, _ := os.ReadDir(manifests); len(entries) != 1 {
		t.Errorf("push again: %d manifests, want 1", len(entries))
	}

	// verify: the same files on both sides (a document, not comparable, is
	// a note).
	var res struct {
		Matched int `json:"matched"`
	}
	run(t, env, 0, &res, "verify", "--output", "json", local, dest)
	if res.Matched != len(want) {
		t.Errorf("verify: %d matched, want %d", res.Matched, len(want))
	}

	// pull: the folder back, the same bytes under the same names; what
	// cannot be downloaded is left out with a note.
	out := filepath.Join(dir, "pulled")
	var pulled report.PullSummary
	run(t, env, 0, &pulled, "pull", "--output", "json", dest, out)
	if pulled.Downloaded != len(want) || pulled.Failed != 0 {
		t.Errorf("pull: %d downloaded, %d failed, want %d and 0: %+v", pulled.Downloaded, pulled.Failed, len(want), pulled.Failures)
	}
	got := readTree(t, out)
	if names(got) != names(want) {
		t.Errorf("pull: got\n  %s\nwant\n  %s", names(got), names(want))
	}
	for rel, data := range want {
		if g, ok := got[rel]; ok && !bytes.Equal(g, data) {
			t.Errorf("pull: %q holds %d bytes, not the %d sent", rel, len(g), len(data))
		}
	}
	if len(o.Answers.Documents) > 0 && !leftOut(pulled.LeftOut, document) {
		t.Errorf("pull: the document is not left out with a note: %+v", pulled.LeftOut)
	}
	if len(o.Answers.Restricted) > 0 {
		var r report.PullSummary
		run(t, env, 0, &r, "pull", "--output", "json", "/restricted", filepath.Join(dir, "restricted"))
		if r.Downloaded != 0 || r.Failed != 0 || !leftOut(r.LeftOut, restricted) {
			t.Errorf("pull of restricted content: %+v", r)
		}
	}

	// A malformed token is a refused credential.
	if o.Answers.MalformedToken != "" {
		bad := map[string]string{"DROPBOX_API_URL": srv.URL(), "DROPBOX_ACCESS_TOKEN": "abc", "HOME": env["HOME"]}
		stderr := run(t, bad, 7, nil, "pull", dest, filepath.Join(dir, "refused"))
		if !strings.Contains(stderr, "malformed") {
			t.Errorf("a malformed token: %s", stderr)
		}
	}
	count()
	return faults
}

// run runs dropbox-post in-process, fails the test unless it exits with
// code, decodes its JSON output into v (if not nil), and returns stderr.
func run(t *testing.T, vars map[string]string, code int, v any, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return vars[k] }}
	start := time.Now()
	got := cli.Main(env, args)
	t.Logf("%s: exit %d in %v", args[0], got, time.Since(start).Round(time.Millisecond))
	if got != code {
		t.Fatalf("dropbox-post %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, stdout.String(), stderr.String())
	}
	if v != nil {
		if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
			t.Fatalf("dropbox-post %s: output %q: %v", args[0], stdout.String(), err)
		}
	}
	return stderr.String()
}

// uploadBytes is the file data the emulator received since its stats were
// reset.
func uploadBytes(srv *emulator.Server) int64 {
	var n int64
	for route, st := range srv.Stats().Routes {
		switch route {
		case "files/upload", "files/upload_session/start", "files/upload_session/append_v2",
			"files/upload_session/append_batch", "files/upload_session/finish":
			n += st.BytesReceived
		}
	}
	return n
}

func leftOut(notes []report.Note, path string) bool {
	for _, n := range notes {
		if strings.EqualFold(n.Local, path) {
			return true
		}
	}
	return false
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTree returns every file below dir, by "/"-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func names(m map[string][]byte) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return strings.Join(k, "\n  ")
}
