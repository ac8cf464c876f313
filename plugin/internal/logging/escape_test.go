package logging

import (
	"bytes"
	"io"
	"testing"
)

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\twith a tab\n":        "plain text\twith a tab\n",
		"name\x1b[2J\rFAKE LINE\n":        `name\x1b[2J\rFAKE LINE` + "\n",
		"title \x1b]0;owned\x07 end":      `title \x1b]0;owned\x07 end`,
		"del\x7f c1\u009b31m bidi\u202e":  `del\x7f c1\u009b31m bidi\u202e`,
		"not utf-8 \xff\xfe":              `not utf-8 \xff\xfe`,
		"é → ü 日本":                        "é → ü 日本",
		`a backslash \x1b stays as it is`: `a backslash \x1b stays as it is`,
	} {
		var buf bytes.Buffer
		w := Escape(&buf)
		n, err := io.WriteString(w, in)
		if err != nil || n != len(in) {
			t.Errorf("Write(%q) = %d, %v", in, n, err)
		}
		if buf.String() != want {
			t.Errorf("Escape(%q) wrote %q, want %q", in, buf.String(), want)
		}
		if Escape(w) != w {
			t.Error("Escape of an escaping writer wraps it again")
		}
	}
}
