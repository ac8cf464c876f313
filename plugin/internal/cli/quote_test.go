package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// hostile holds what a hostile name or answer would use to act on a
// terminal or fake a line of output: an escape sequence, a carriage return,
// a newline followed by a fake line, a bell, a bidi override.
const hostile = "a\x1b]0;owned\x07\x1b[2J\rb\nFAKE: all good\u202e"

// checkNoRaw fails when out holds a control byte other than the program's
// own "\n" and "\t", or a line that a name or an answer made.
func checkNoRaw(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r == '\u202e' {
			t.Errorf("%s: raw %U in output:\n%s", what, r, out)
			return
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "FAKE") {
			t.Errorf("%s: a name made its own line %q in:\n%s", what, line, out)
		}
	}
}

// Names from outside, config text and a server's error summary are
// printed quoted: nothing in them reaches the terminal raw.
func TestOutsideTextIsQuoted(t *testing.T) {
	// A server whose every answer is an endpoint error with a hostile tag
	// (what the client shows of it) and summary.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"error_summary": "path/" + hostile + "/..", "error": map[string]any{".tag": "path", "path": map[string]any{".tag": hostile}}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		w.Write(body)
	}))
	defer srv.Close()
	vars := map[string]string{"DROPBOX_API_URL": srv.URL, "DROPBOX_ACCESS_TOKEN": "sl.quote-test-token"}

	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	names := filepath.Join(dir, "names")
	for _, p := range []string{filepath.Join(clean, "a.csv"), filepath.Join(names, "ok.csv"), filepath.Join(names, hostile+".csv"), filepath.Join(names, "sub"+hostile, "x.csv")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("1"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The server's answer.
	code, stdout, stderr := authCLI(vars, "", "push", "--no-manifest", clean, "/d")
	if code != 8 || !strings.Contains(stderr, `Dropbox said "path/a\x1b]0;owned\a\x1b[2J\rb\nFAKE: all good\u202e"`) {
		t.Errorf("server answer: exit %d, stderr:\n%s", code, stderr)
	}
	checkNoRaw(t, "server answer", stdout+stderr)

	// Local names Dropbox cannot store, each failed alone (a real server
	// lists the folder first), in a dry run, and in verify.
	_, base := emutest.ServeBehind(t, emulator.Options{Tokens: []string{"sl.quote-test-token"}}, nil)
	emu := map[string]string{"DROPBOX_API_URL": base, "DROPBOX_ACCESS_TOKEN": "sl.quote-test-token"}
	all := ""
	for _, args := range [][]string{{"push", "--no-manifest", names, "/d"}, {"push", "--dry-run", names, "/d"}, {"verify", names, "/d"}} {
		code, stdout, stderr = authCLI(emu, "", args...)
		if code == 0 {
			t.Errorf("%s: exit 0", args)
		}
		checkNoRaw(t, strings.Join(args, " "), stdout+stderr)
		all += stdout + stderr
	}
	if !strings.Contains(all, `"a\x1b]0;owned\a\x1b[2J\rb\nFAKE: all good\u202e.csv"`) {
		t.Errorf("the name is not quoted:\n%s", all)
	}

	// Config text: a dest and a path holding a newline and a carriage
	// return (XML allows no other control character, even escaped).
	study := filepath.Join(dir, "study")
	os.MkdirAll(filepath.Join(study, "conf"), 0o755)
	os.MkdirAll(filepath.Join(study, "post"), 0o755)
	os.WriteFile(filepath.Join(study, "post", "r\nFAKE.csv"), []byte("1"), 0o644)
	config := `<librec-auto><post>
<script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">file</param><param name="path">post/r&#10;FAKE.csv</param><param name="dest">/demo</param></script>
<script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">file</param><param name="path">post/x&#13;&#10;FAKE</param><param name="dest">/d&#10;FAKE&#13;</param>
<param name="colo&#x202e;ur">x&#10;FAKE</param></script>
</post></librec-auto>`
	os.WriteFile(filepath.Join(study, "conf", "config.xml"), []byte(config), 0o644)
	code, stdout, stderr = authCLI(vars, "", "run", "-t", study, "--dry-run")
	if code != 3 || !strings.Contains(stderr, `path "post/x\r\nFAKE"`) || !strings.Contains(stderr, `dest "/d\nFAKE"`) {
		t.Errorf("config: exit %d, stderr:\n%s", code, stderr)
	}
	checkNoRaw(t, "config", stdout+stderr)
}
