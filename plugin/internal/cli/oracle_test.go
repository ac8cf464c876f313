package cli_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/internal/emulator/interop"
	"github.com/librec-auto/dropbox-post/plugin/internal/cli"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// The spec as the oracle: a full dropbox-post session (auth, whoami, push
// small and large, re-push, a changed file, pull, verify, share) runs
// against an emulator that records every request and answer, and
// internal/emulator/interop/python/validate.py checks each argument and each answer against
// the route's Stone types with the Python SDK's validators in strict mode.
// A shape the client sends or receives that the spec does not allow fails
// the test, whoever wrote it (client or emulator).

// cliEnv runs dropbox-post in-process.
type cliEnv struct {
	t    *testing.T
	vars map[string]string
}

func (c cliEnv) env(stdin io.Reader, stdout, stderr io.Writer) *cli.Env {
	return &cli.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return c.vars[k] }}
}

// run runs one command to the end and fails the test unless it exits 0.
func (c cliEnv) run(args ...string) string {
	c.t.Helper()
	var out, errb bytes.Buffer
	defer func(start time.Time) { c.t.Logf("%s: %v", args[0], time.Since(start).Round(time.Millisecond)) }(time.Now())
	if code := cli.Main(c.env(strings.NewReader(""), &out, &errb), args); code != 0 {
		c.t.Fatalf("dropbox-post %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

var authCodeRE = regexp.MustCompile(`<code id="auth-code">([^<]+)</code>`)

// auth runs 'dropbox-post auth' as a user would: open the page it prints,
// click Allow (the emulator approves at once), paste the code.
func (c cliEnv) auth(args ...string) {
	c.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(c.env(inR, outW, &errb), append([]string{"auth"}, args...))
		outW.Close()
	}()
	defer inW.Close()
	lines := bufio.NewReader(outR)
	var page string
	for page == "" {
		line, err := lines.ReadString('\n')
		if strings.HasPrefix(strings.TrimSpace(line), "http") {
			page = strings.TrimSpace(line)
		} else if err != nil {
			c.t.Fatalf("auth printed no page: %v; stderr: %s", err, errb.String())
		}
	}
	go func() { _, _ = io.Copy(io.Discard, lines) }()
	resp, err := http.Get(page)
	if err != nil {
		c.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := authCodeRE.FindSubmatch(body)
	if m == nil {
		c.t.Fatalf("authorize page: %d %s", resp.StatusCode, body)
	}
	_, _ = io.WriteString(inW, string(m[1])+"\n")
	select {
	case code := <-done:
		if code != 0 {
			c.t.Fatalf("auth: exit %d; stderr: %s", code, errb.String())
		}
	case <-time.After(2 * time.Minute): // a hang guard only
		c.t.Fatal("auth did not finish")
	}
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

// bigData is n bytes that differ from position to position.
func bigData(n int) []byte {
	b := make([]byte, n)
	x := uint32(7)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func TestSpecOracle(t *testing.T) {
	rec := &interop.Recorder{}
	srv, _ := emutest.Start(t, emulator.Options{Apps: []emulator.App{{Key: "oracle-app"}}, Record: rec.Add}, emutest.FastPolicy)
	base := srv.URL()

	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	write(t, filepath.Join(results, "a.csv"), []byte("metric,value\nndcg,0.31\n"))
	write(t, filepath.Join(results, "sub", "b.csv"), []byte("precision,0.12\n"))
	write(t, filepath.Join(results, "empty.log"), nil)
	write(t, filepath.Join(results, "big", "model.bin"), bigData(17<<20+5)) // three 8 MiB chunks
	key := filepath.Join(dir, "keys", "dropbox.enc")
	if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
		t.Fatal(err)
	}
	c := cliEnv{t: t, vars: map[string]string{"DROPBOX_API_URL": base}}
	cred := []string{"--encrypted_key", key, "-k", "pw"}

	c.auth("--app-key", "oracle-app", "--encrypted", key, "-k", "pw", "--share")
	c.run(append([]string{"whoami"}, cred...)...)
	c.run(append(append([]string{"push"}, cred...), "--no-manifest", "--verify", "--share", results, "/oracle")...)
	c.run(append(append([]string{"push"}, cred...), "--no-manifest", results, "/oracle")...) // unchanged
	write(t, filepath.Join(results, "a.csv"), []byte("metric,value\nndcg,0.32\n"))
	c.run(append(append([]string{"push"}, cred...), "--no-manifest", "--share", results, "/oracle")...) // one change, the link again
	c.run(append(append([]string{"pull"}, cred...), "/oracle", filepath.Join(dir, "pulled"))...)
	c.run(append(append([]string{"verify"}, cred...), results, "/oracle")...)
	c.run(append(append([]string{"push"}, cred...), "--no-manifest", filepath.Join(results, "a.csv"), "/oracle/single")...)

	routes := rec.Routes()
	// The session covered the upload paths the client has.
	for _, want := range []string{"users/get_current_account", "files/upload_session/start_batch",
		"files/upload_session/append_batch", "files/upload_session/finish_batch_v2", "files/list_folder",
		"files/download", "sharing/create_shared_link_with_settings"} {
		if !routes[want] {
			t.Errorf("the session never called %s", want)
		}
	}
	out := interop.Validate(t, rec.Write(t))
	if !strings.Contains(out, " 0 violations") {
		t.Fatal("the recorded session does not fit the spec")
	}
}

// TestSpecOracleRefuses feeds validate.py shapes the spec does not allow,
// so that its "0 violations" above means something.
func TestSpecOracleRefuses(t *testing.T) {
	bad := []emulator.Exchange{
		{Route: "users/get_current_account", Style: "rpc", Status: 200, Arg: "null", ContentType: "application/json",
			Result: `{"account_id":"dbid:AAD8emulatorLocalAccount0000000000000","name":{"given_name":"a","surname":"b","familiar_name":"a","display_name":"a b","abbreviated_name":"ab"},"email":"e@x","email_verified":true,"disabled":false,"locale":"en","referral_link":"https://x","is_paired":false,"account_type":{".tag":"basic"},"root_info":{".tag":"user","root_namespace_id":"1","home_namespace_id":"1"}}`},
		{Route: "files/get_metadata", Style: "rpc", Status: 200, Arg: `{"path":"/a","frobnicate":true}`, ContentType: "application/json",
			Result: `{".tag":"folder","name":"a","path_lower":"/a","path_display":"/a","id":"id:abc"}`},
		{Route: "files/get_metadata", Style: "rpc", Status: 409, Arg: `{"path":"/a"}`, ContentType: "application/json",
			Result: `{"error_summary":"path/gone/..","error":{".tag":"path","path":{".tag":"gone"}}}`},
		{Route: "files/upload_session/finish_batch", Style: "rpc", Status: 200, Arg: `{"entries":[]}`, ContentType: "application/json",
			Result: `{".tag":"async_job_id"}`},
		{Route: "files/no_such_route", Style: "rpc", Status: 200, Arg: "{}", ContentType: "application/json", Result: "{}"},
	}
	out, err := interop.ValidateBad(t, interop.WriteExchanges(t, bad))
	t.Logf("validate.py on bad shapes:\n%s", out)
	if err == nil || !strings.Contains(out, "5 exchanges, 4 routes, 5 violations") {
		t.Fatalf("validate.py did not refuse each bad shape: %v", err)
	}
	for _, want := range []string{"account_id", "unknown field 'frobnicate'", "gone", "async_job_id", "no Stone route"} {
		if !strings.Contains(out, want) {
			t.Errorf("no violation mentions %q", want)
		}
	}
}

// TestSpecOracleStrictModes records a push and a pull against an emulator
// with every strict mode on, so that the client's fallbacks
// (upload_session/finish for refused concurrent sessions, files/upload for
// refused empty files, get_metadata for a missing content_hash) are held
// to the spec too. (The refusals themselves are outside the spec on
// purpose: see --catch-all-ok in validate.py.)
func TestSpecOracleStrictModes(t *testing.T) {
	for _, refusal := range []emulator.Refusal{emulator.RefuseEntry, emulator.RefuseRequest} {
		t.Run(string(refusal), func(t *testing.T) {
			rec := &interop.Recorder{}
			srv, _ := emutest.Start(t, emulator.Options{Tokens: []string{"strict-token"}, Record: rec.Add,
				Strict: emulator.Strict{FinishBatchConcurrent: true, RefuseEmptyAppend: refusal,
					OmitContentHash: true, RefuseEmptyChunked: true}}, emutest.FastPolicy)
			base := srv.URL()
			dir := t.TempDir()
			results := filepath.Join(dir, "results")
			write(t, filepath.Join(results, "a.csv"), []byte("metric,value\n"))
			write(t, filepath.Join(results, "empty.log"), nil)
			write(t, filepath.Join(results, "big.bin"), bigData(8<<20+5)) // two chunks
			c := cliEnv{t: t, vars: map[string]string{"DROPBOX_API_URL": base, "DROPBOX_ACCESS_TOKEN": "strict-token"}}
			c.run("push", "--no-manifest", "--verify", results, "/strict")
			c.run("pull", "/strict", filepath.Join(dir, "pulled"))

			routes := rec.Routes()
			for _, want := range []string{"files/upload_session/finish", "files/upload", "files/get_metadata"} {
				if !routes[want] {
					t.Errorf("no fallback called %s", want)
				}
			}
			// The strict modes refuse with the catch-all tag "other", an
			// answer the client cannot know: a NOTE in those two routes, a
			// violation anywhere else.
			out := interop.Validate(t, rec.Write(t), "--catch-all-ok", "files/upload_session/append_batch,files/upload_session/finish_batch_v2")
			if !strings.Contains(out, " 0 violations") {
				t.Fatal("the session's shapes under the strict modes do not fit the spec")
			}
		})
	}
}

// TestSpecOracleAnswers holds the answers of the emulator's real-service
// modes to the spec: documents listed with is_downloadable false and
// export_info, their download refused with unsupported_file, restricted
// content, and error summaries with noisy dots, through a push, a pull
// and a verify.
func TestSpecOracleAnswers(t *testing.T) {
	rec := &interop.Recorder{}
	srv, _ := emutest.Start(t, emulator.Options{Tokens: []string{"answers-token"}, Record: rec.Add, Answers: emulator.Answers{
		Documents: []string{"/answers/Notes.paper"}, Restricted: []string{"/answers/clip.mp4"}, SummaryNoise: true}}, emutest.FastPolicy)
	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	write(t, filepath.Join(results, "a.csv"), []byte("metric,value\n"))
	c := cliEnv{t: t, vars: map[string]string{"DROPBOX_API_URL": srv.URL(), "DROPBOX_ACCESS_TOKEN": "answers-token"}}
	c.run("push", "--no-manifest", results, "/answers")
	c.run("pull", "/answers", filepath.Join(dir, "pulled"))
	c.run("pull", "/answers/Notes.paper", filepath.Join(dir, "one"))
	routes := rec.Routes()
	for _, want := range []string{"files/list_folder", "files/get_metadata", "files/download"} {
		if !routes[want] {
			t.Errorf("no call of %s", want)
		}
	}
	if out := interop.Validate(t, rec.Write(t)); !strings.Contains(out, " 0 violations") {
		t.Fatal("the answers of the real-service modes do not fit the spec")
	}
}
