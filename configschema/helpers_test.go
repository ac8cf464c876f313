package configschema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeStudy creates a study directory holding files (name → content; a name
// ending in "/" is an empty folder) and returns its path.
func makeStudy(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "study")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// standardStudy has the files the configs in these tests point at.
func standardStudy(t *testing.T) string {
	return makeStudy(t, map[string]string{
		"keys/dropbox.enc":     "gAAAAAB-not-a-real-token",
		"post/summary.csv":     "Experiment,NormalizedDCG\nexp00000,0.08\n",
		"post/plot.png":        "\x89PNG",
		"post/results\x7f":     "a name Dropbox refuses",
		"exp00000/log/a.log":   "log\n",
		"exp00000/result/out1": "1,2,3.5\n",
	})
}

// dropboxConfig wraps script elements in a config; the first script's
// <script> tag is on line 4.
func dropboxConfig(scripts string) string {
	return "<?xml version=\"1.0\"?>\n<librec-auto>\n\t<post>\n" + scripts + "\t</post>\n</librec-auto>\n"
}

// mustParse parses config, failing the test if it is refused.
func mustParse(t *testing.T, config string) *Config {
	t.Helper()
	c, err := Parse("conf/config.xml", []byte(config))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// resolve parses config and resolves it against study.
func resolve(t *testing.T, study, config string, opts ResolveOptions) ([]Element, []Problem, error) {
	t.Helper()
	c := mustParse(t, config)
	return c.Resolve(study, opts)
}

// problemsOf returns the problems of an *InvalidError, failing the test if
// err is not one.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v (%T) is not an *InvalidError", err, err)
	}
	return inv.Problems
}

// want is an expected problem or warning: its line and a piece of its text.
type want struct {
	line int
	text string
}

// match checks that got holds exactly the expected findings, in order.
func match(t *testing.T, kind string, got []Problem, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("%d %s, want %d:\n%s", len(got), kind, len(wants), list(got))
		return
	}
	for i, w := range wants {
		if got[i].Line != w.line || !strings.Contains(got[i].String(), w.text) {
			t.Errorf("%s %d = %q (line %d), want line %d containing %q", kind, i+1, got[i].String(), got[i].Line, w.line, w.text)
		}
		if got[i].File == "" {
			t.Errorf("%s %d names no file", kind, i+1)
		}
	}
}

func list(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}
