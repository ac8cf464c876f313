package dpath

import (
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	cases := []struct {
		name string
		err  string // substring; "" means valid
	}{
		{"ndcg.csv", ""},
		{"exp00000", ""},
		{".hidden", ""},
		{"a b", ""},
		{"résumé ✓", ""},
		{"colon:star*", ""}, // Windows cannot sync these, Dropbox stores them
		{strings.Repeat("é", 255), ""},
		{"name\u00a0", ""}, // only U+0020 is refused at the end
		{"name.", ""},      // a trailing dot is stored
		{"...", ""},
		{strings.Repeat("😀", 1), "beyond Unicode's Basic Multilingual Plane"},
		{strings.Repeat("ꙋ", 255), ""},
		{"", "cannot be empty"},
		{".", "not a name Dropbox can store"},
		{"..", "not a name Dropbox can store"},
		{"a/b", `contains "/"`},
		{`a\b`, `contains "\"`},
		{"a\tb", "control character U+0009"},
		{"Icon\r", "control character U+000D"},
		{"a\x7f", "control character U+007F"},
		{"bad\xc3", "not valid UTF-8"},
		{"name ", "ends with a space"},
		{strings.Repeat("é", 256), "256 characters long (in UTF-16 units"},
		{"\u3000", ""},
	}
	for _, c := range cases {
		err := CheckName(c.name)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("CheckName(%q): unexpected error %v", c.name, err)
		case c.err != "" && err == nil:
			t.Errorf("CheckName(%q): no error, want one containing %q", c.name, c.err)
		case c.err != "" && !strings.Contains(err.Error(), c.err):
			t.Errorf("CheckName(%q) = %q, want it to contain %q", c.name, err, c.err)
		}
		if err != nil && !strings.Contains(err.Error(), "rename") && !strings.Contains(err.Error(), "use a real") && c.name != "" {
			t.Errorf("CheckName(%q) = %q: the error should say how to fix it", c.name, err)
		}
	}
}

func TestIgnored(t *testing.T) {
	ignored := []string{
		"desktop.ini", "Desktop.ini", "THUMBS.DB", ".DS_Store", "Icon\r",
		".dropbox", ".dropbox.attr",
		"~$report.xlsx", ".~lock.results.csv#", "~wrl0001.tmp", "~A.TMP",
	}
	for _, n := range ignored {
		if !Ignored(n) {
			t.Errorf("Ignored(%q) = false, want true", n)
		}
	}
	kept := []string{
		"desktop.ini.bak", "Icon", "dropbox", ".dropbox2", "report~$.xlsx",
		"~backup.csv", "results.tmp", "ndcg.csv", "",
	}
	for _, n := range kept {
		if Ignored(n) {
			t.Errorf("Ignored(%q) = true, want false", n)
		}
	}
}
