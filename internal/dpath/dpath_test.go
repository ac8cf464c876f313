package dpath

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	cases := []struct {
		in, want string
		err      string // substring of the error; "" means no error
	}{
		{"", "", ""},
		{"/", "", ""},
		{"//", "", ""},
		{`\`, "", `contains a backslash: Dropbox paths separate folders with "/", not "\"`},
		{"/results", "/results", ""},
		{"/results/", "/results", ""},
		{"//results//run1///", "/results/run1", ""},
		{`\results\run1\`, "", `contains a backslash`},
		{`/results\run1`, "", `contains a backslash`},
		{"/Study Results/ndcg.csv", "/Study Results/ndcg.csv", ""},
		{"/données/résultats", "/données/résultats", ""},
		{"results", "", "relative path"},
		{"./results", "", "relative path"},
		{"id:abc123/x", "", "id:, ns: and rev: paths are not supported"},
		{"/a/./b", "", `"." component`},
		{"/a/../b", "", `".." component`},
		{"/..", "", `".." component`},
		{"/a /b", "", "ends with a space"},
		{"/a./b", "/a./b", ""},
		{"/a\x00b", "", "control character U+0000"},
		{"/a\x7fb", "", "control character U+007F"},
		{"/a\nb", "", "control character U+000A"},
		{"/a\xffb", "", "not valid UTF-8"},
		{"/" + strings.Repeat("x", 256), "", "more than the 255"},
		{"/" + strings.Repeat("ü", 255), "/" + strings.Repeat("ü", 255), ""},
		{"/" + strings.Repeat("x", 255), "/" + strings.Repeat("x", 255), ""},
	}
	for _, c := range cases {
		got, err := Clean(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Clean(%q): unexpected error %v", c.in, err)
		case c.err != "" && err == nil:
			t.Errorf("Clean(%q) = %q, want an error containing %q", c.in, got, c.err)
		case c.err != "" && !strings.Contains(err.Error(), c.err):
			t.Errorf("Clean(%q) error %q does not contain %q", c.in, err, c.err)
		case c.err == "" && got != c.want:
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanErrorNamesThePath(t *testing.T) {
	_, err := Clean("/results/run 1 /x")
	if err == nil || !strings.Contains(err.Error(), `"/results/run 1 /x"`) || !strings.Contains(err.Error(), `"run 1 "`) {
		t.Errorf("error should quote the whole path and the bad name, got %v", err)
	}
}

func TestJoin(t *testing.T) {
	cases := []struct{ dir, rel, want string }{
		{"", "a.csv", "/a.csv"},
		{"/results", "a.csv", "/results/a.csv"},
		{"/results", "exp00000/log/librec.log", "/results/exp00000/log/librec.log"},
		{"/results", "", "/results"},
		{"/results", ".", "/results"},
		{"/results", "./a//b/", "/results/a/b"},
		{"", "", ""},
	}
	for _, c := range cases {
		if got := Join(c.dir, c.rel); got != c.want {
			t.Errorf("Join(%q, %q) = %q, want %q", c.dir, c.rel, got, c.want)
		}
	}
}

func TestParentBase(t *testing.T) {
	cases := []struct{ p, parent, base string }{
		{"", "", ""},
		{"/a", "", "a"},
		{"/a/b", "/a", "b"},
		{"/a/b/c.csv", "/a/b", "c.csv"},
	}
	for _, c := range cases {
		if got := Parent(c.p); got != c.parent {
			t.Errorf("Parent(%q) = %q, want %q", c.p, got, c.parent)
		}
		if got := Base(c.p); got != c.base {
			t.Errorf("Base(%q) = %q, want %q", c.p, got, c.base)
		}
	}
}

func TestKeyAndWithin(t *testing.T) {
	if got := Key("/Results/NDCG.csv"); got != "/results/ndcg.csv" {
		t.Errorf("Key = %q", got)
	}
	if got := Key("/Caf\u0065\u0301/X"); got != "/caf\u00e9/x" {
		t.Errorf("Key of an NFD path = %q, want it NFC and lower-cased", got)
	}
	if got, want := Join("/R", "cafe\u0301.csv"), "/R/caf\u00e9.csv"; got != want {
		t.Errorf("Join = %q, want %q (NFC)", got, want)
	}
	if got, err := Clean("/Cafe\u0301/"); err != nil || got != "/Caf\u00e9" {
		t.Errorf("Clean = %q %v, want NFC", got, err)
	}
	cases := []struct {
		p, dir string
		want   bool
	}{
		{"/a/b", "/a", true},
		{"/A/b", "/a", true},
		{"/cafe\u0301/b", "/caf\u00e9", true},
		{"/a", "/a", true},
		{"/ab", "/a", false},
		{"/a", "/a/b", false},
		{"/anything", "", true},
		{"", "", true},
	}
	for _, c := range cases {
		if got := Within(c.p, c.dir); got != c.want {
			t.Errorf("Within(%q, %q) = %v, want %v", c.p, c.dir, got, c.want)
		}
	}
}
