package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactorReplacesSecretsInLogs(t *testing.T) {
	var buf bytes.Buffer
	var r Redactor
	r.Add("sl.SECRET-token-123", "abc") // "abc" is too short to register
	log := New(&buf, &r, Options{})
	log.Info("refreshing", "token", "sl.SECRET-token-123", "word", "abc")
	out := buf.String()
	if strings.Contains(out, "sl.SECRET-token-123") {
		t.Fatalf("secret leaked: %q", out)
	}
	if !strings.Contains(out, "<redacted>") || !strings.Contains(out, "abc") {
		t.Fatalf("unexpected output: %q", out)
	}
}

func TestLongestSecretFirst(t *testing.T) {
	var r Redactor
	r.Add("secret-token", "secret-token.and-more")
	if got := string(r.Redact([]byte("x secret-token.and-more y"))); got != "x <redacted> y" {
		t.Fatalf("got %q", got)
	}
}

// The redactor changes no word of a message: short values (passwords, which
// are protected by their type) are not registered, and a registered value
// is replaced only where it stands whole.
func TestRedactorKeepsWords(t *testing.T) {
	var r Redactor
	r.Add("password", "dropbox", "key", "file", "aaaaaaaaaaaa", "sl.AbcDefGhi-123")
	for in, want := range map[string]string{
		"wrong password for key file keys/dropbox.enc; see --password-file": "wrong password for key file keys/dropbox.enc; see --password-file",
		"Bearer sl.AbcDefGhi-123, token=sl.AbcDefGhi-123.":                  "Bearer <redacted>, token=<redacted>.",
		"xsl.AbcDefGhi-123 sl.AbcDefGhi-1234 sl.AbcDefGhi-123_x":            "xsl.AbcDefGhi-123 sl.AbcDefGhi-1234 sl.AbcDefGhi-123_x",
		"aaaaaaaaaaaaa aaaaaaaaaaaa aaaaaaaaaaaa":                           "aaaaaaaaaaaaa <redacted> <redacted>",
		`"sl.AbcDefGhi-123"`: `"<redacted>"`,
	} {
		if got := string(r.Redact([]byte(in))); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONAndLevels(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, &Redactor{}, Options{Format: "json", Quiet: true})
	log.Info("hidden")
	log.Error("shown", "n", 3)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("quiet should print errors only, got %q", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil || m["@message"] != "shown" {
		t.Fatalf("not a JSON log line: %q (%v)", lines[0], err)
	}
	if (Options{Format: "xml"}).Validate() == nil {
		t.Fatal("xml format accepted")
	}
}
