package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile/keyvectors"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
)

const (
	testPassword = "hunter2" // of keyvectors' librec-auto-legacy/01-typical.enc
	testToken    = "sl.B0aFakeShortLivedToken-abc_123XYZ"
)

// runStudy writes a study posting one file and one folder, with a key file,
// starts an emulator that knows its token, and returns both.
func runStudy(t *testing.T) (study string, srv *emulator.Server, base string) {
	t.Helper()
	study = filepath.Join(t.TempDir(), "study")
	files := map[string]string{
		"conf/config.xml": `<librec-auto><post>
<script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">file</param><param name="encrypted_key">keys/dropbox.enc</param>
<param name="path">post/summary.csv</param><param name="dest">/demo</param><param name="password"/></script>
<script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">folder</param><param name="encrypted_key">keys/dropbox.enc</param>
<param name="path">exp00000</param><param name="dest">/demo/exp00000</param><param name="password"/></script>
</post></librec-auto>`,
		"post/summary.csv":            "Experiment,NormalizedDCG\n",
		"exp00000/result/out-1.txt":   "1,10,4.5\n",
		"exp00000/log/librec-run.log": "ok\n",
	}
	for name, content := range files {
		p := filepath.Join(study, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := keyvectors.Read(t, "librec-auto-legacy/01-typical.enc")
	if err := os.MkdirAll(filepath.Join(study, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(study, "keys", "dropbox.enc"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	srv = emutest.Serve(t, emulator.Options{Tokens: []string{testToken}})
	return study, srv, srv.URL()
}

// runCLI runs dropbox-post in-process with DROPBOX_API_URL set to base.
func runCLI(t *testing.T, base string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "DROPBOX_API_URL" {
			return base
		}
		return ""
	}}
	code = run(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// TestRunJSONAndManifests checks the JSON document of a run as a program
// reads it, the manifests it writes, and that the password and the token
// reach no output and no file.
func TestRunJSONAndManifests(t *testing.T) {
	study, srv, base := runStudy(t)
	code, stdout, stderr := runCLI(t, base, "run", "-t", study, "-k", testPassword, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc runReport
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	if len(doc.Elements) != 2 || doc.Totals.Posted != 2 || doc.Totals.Uploaded != 3 || doc.Totals.Failed != 0 {
		t.Fatalf("report: %+v", doc)
	}
	var got []string
	for _, f := range srv.Files() {
		got = append(got, f.Path)
	}
	want := "/demo/exp00000/log/librec-run.log /demo/exp00000/result/out-1.txt /demo/summary.csv"
	if strings.Join(got, " ") != want {
		t.Errorf("on Dropbox: %v, want %s", got, want)
	}

	realStudy, _ := filepath.Abs(study)
	for i, e := range doc.Elements {
		if e.Summary == nil || e.Summary.Manifest == "" {
			t.Fatalf("element %d has no manifest: %+v", i+1, e)
		}
		if dir := filepath.Dir(e.Summary.Manifest); dir != filepath.Join(study, ".dropbox-post", "manifests") {
			t.Errorf("element %d: manifest in %s", i+1, dir)
		}
		data, err := os.ReadFile(e.Summary.Manifest)
		if err != nil {
			t.Fatal(err)
		}
		var m manifest.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m.Study != realStudy || m.Element != i+1 || m.Dest != e.Dest || len(m.Files) == 0 {
			t.Errorf("manifest %d: study %q element %d dest %q, %d files", i+1, m.Study, m.Element, m.Dest, len(m.Files))
		}
	}

	for _, s := range []string{stdout, stderr} {
		if strings.Contains(s, testPassword) || strings.Contains(s, testToken) {
			t.Errorf("a secret reached the output:\n%s", s)
		}
	}
	filepath.WalkDir(study, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(testPassword)) || bytes.Contains(data, []byte(testToken)) {
			t.Errorf("%s holds a secret", p)
		}
		return nil
	})
}

// TestRunNoPasswordSendsNothing checks that a run without a password and
// without a terminal stops before any request reaches Dropbox.
func TestRunNoPasswordSendsNothing(t *testing.T) {
	study, srv, base := runStudy(t)
	code, stdout, stderr := runCLI(t, base, "run", "-t", study)
	if code != 6 || stdout != "" || !strings.Contains(stderr, "no password given") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached Dropbox", n)
	}
}

func TestCommandLine(t *testing.T) {
	study, _, base := runStudy(t)
	code, stdout, stderr := runCLI(t, base, "run", "-t", study, "--dry-run", "-k", testPassword)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "  librec-auto would run: dropbox-post.py config.xml --option=folder --encrypted_key=keys/dropbox.enc --path=exp00000 --dest=/demo/exp00000 --password=<password hidden>\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	for in, want := range map[string]string{"a/b-c_d.csv": "a/b-c_d.csv", "exp 0": "'exp 0'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
