package filter

import (
	"strings"
	"testing"
)

func TestGlobRules(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		path    string
		want    bool
	}{
		// A pattern without "/" matches the name at any depth.
		{"*.bin", "model.bin", true},
		{"*.bin", "exp00000/model.bin", true},
		{"*.bin", "exp00000/model.bin.txt", false},
		{"model.bin", "a/b/model.bin", true},
		{"model.bin", "a/b/amodel.bin", false},
		// "*" stays within a segment, "**" crosses them.
		{"exp*/log.txt", "exp00000/log.txt", true},
		{"exp*/log.txt", "exp00000/sub/log.txt", false},
		{"exp*/**/log.txt", "exp00000/sub/log.txt", true},
		{"exp**", "exp00000/sub/log.txt", true},
		{"*", "a/b", true}, // matches the last segment
		// A pattern with "/" matches the end of the path at a segment boundary.
		{"logs/*.txt", "x/logs/a.txt", true},
		{"logs/*.txt", "x/mylogs/a.txt", false},
		// A leading "/" anchors at LOCAL.
		{"/log.txt", "log.txt", true},
		{"/log.txt", "exp/log.txt", false},
		{"/exp*/*.csv", "exp1/r.csv", true},
		{"/exp*/*.csv", "a/exp1/r.csv", false},
		// A trailing "/" is a folder and all in it.
		{"logs/", "logs/a/b.txt", true},
		{"logs/", "x/logs/b.txt", true},
		{"logs/", "logs", false},
		{"/logs/", "x/logs/b.txt", false},
		// "?", classes, alternatives, escapes.
		{"run?.csv", "run1.csv", true},
		{"run?.csv", "run12.csv", false},
		{"run?.csv", "run/.csv", false},
		{"run[0-9].csv", "run7.csv", true},
		{"run[!0-9].csv", "runx.csv", true},
		{"run[!0-9].csv", "run7.csv", false},
		{"run[^0-9].csv", "run/.csv", false},
		{"*.{bin,pkl}", "m.pkl", true},
		{"*.{bin,pkl}", "m.csv", false},
		{`\*.csv`, "*.csv", true},
		{`\*.csv`, "a.csv", false},
		{"a.b", "axb", false}, // "." is literal
		{"résumé-*.txt", "x/résumé-1.txt", true},
		{"r?sum?.txt", "résumé.txt", true}, // "?" is one character, not one byte
	} {
		re, err := compile(tc.pattern)
		if err != nil {
			t.Errorf("compile(%q): %v", tc.pattern, err)
			continue
		}
		if got := re.MatchString(tc.path); got != tc.want {
			t.Errorf("%q on %q = %v, want %v (regexp %s)", tc.pattern, tc.path, got, tc.want, re)
		}
	}
}

func TestBadPatterns(t *testing.T) {
	for _, p := range []string{"", "a[", "[]", "a{b", "a}b", `a\`, "a[b/c]", strings.Repeat("x", MaxPatternLen+1)} {
		if err := Check(p); err == nil {
			t.Errorf("Check(%q) accepted it", clip(p))
		}
	}
	var many []string
	for i := 0; i <= MaxPatterns; i++ {
		many = append(many, "a")
	}
	if _, err := New(Spec{Exclude: many}); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("New with %d patterns: %v", len(many), err)
	}
}

func TestFilter(t *testing.T) {
	f, err := New(Spec{From: "flags", Exclude: []string{"*.bin", "logs/"}, Include: []string{"*.csv", "*.bin", "/keep/**"}, MaxSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		size int64
		want bool
	}{
		{"exp/r.csv", 10, true},
		{"exp/r.csv", 101, false},  // too large
		{"exp/m.bin", 10, false},   // exclude wins over include
		{"logs/r.csv", 10, false},  // in an excluded folder
		{"exp/r.txt", 10, false},   // not included
		{"keep/r.txt", 10, true},   // included by an anchored pattern
		{"keep/logs/x", 10, false}, // the exclude still wins
		{"exp/r.csv", 100, true},   // the limit itself passes
	} {
		if got := f.File(tc.path, tc.size); got != tc.want {
			t.Errorf("File(%q, %d) = %v, want %v", tc.path, tc.size, got, tc.want)
		}
	}
	// A second Spec narrows: both must pass.
	g, err := New(Spec{Exclude: []string{"*.tmp"}}, Spec{From: "config", Include: []string{"*.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.File("a.txt", 1) || !g.File("a.csv", 1) || g.File("a.tmp", 1) {
		t.Error("two specs: each must pass")
	}
	if g.Dir("empty") {
		t.Error("with includes, an empty folder they do not name is left out")
	}
	h, _ := New(Spec{Exclude: []string{"logs/"}})
	if h.Dir("logs") || !h.Dir("results") {
		t.Error("Dir: an excluded folder pattern leaves the empty folder out, others stay")
	}
	var none *Filter
	if !none.File("x", 1<<40) || none.Active() || none.Specs() != nil {
		t.Error("the nil Filter passes everything")
	}
	if e, _ := New(Spec{}); e.Active() {
		t.Error("an empty spec is no filter")
	}
}

// TestPathologicalPattern: patterns made to explode a backtracking matcher
// finish (RE2 matches in linear time); the assertion is on the result.
func TestPathologicalPattern(t *testing.T) {
	long := strings.Repeat("**/", 300) + "x"
	stars := strings.Repeat("*a", 500)
	f, err := New(Spec{Exclude: []string{long, stars}})
	if err != nil {
		t.Fatal(err)
	}
	path := strings.Repeat("a/", 200) + "b"
	flat := strings.Repeat("a", 4000) + "b"
	for i := 0; i < 3; i++ {
		if !f.File(path, 1) || !f.File(flat, 1) {
			t.Fatal("no pattern matches these paths")
		}
	}
	if f.File(strings.Repeat("a/", 300)+"x", 1) {
		t.Error("the long ** pattern should match 300 folders deep")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"10M": 10 << 20, "1G": 1 << 30, "512k": 512 << 10, "4096": 4096, "1.5GiB": 3 << 29, "100B": 100, "2 MB": 2 << 20, "1T": 1 << 40} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "M", "-1M", "0", "ten", "1X", "NaN", "Inf", "0x10", "1e30"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted it", in)
		}
	}
}

func TestReadPatterns(t *testing.T) {
	got, err := ReadPatterns(strings.NewReader("# results only\n\n*.bin  \r\n   # indented comment\nlogs/\n"))
	if err != nil || strings.Join(got, "|") != "*.bin|logs/" {
		t.Fatalf("ReadPatterns = %q, %v", got, err)
	}
	if _, err := ReadPatterns(strings.NewReader("ok\na[\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad line is named: %v", err)
	}
	if _, err := ReadPatterns(strings.NewReader(strings.Repeat("y", 5000))); err == nil {
		t.Error("an over-long line is refused")
	}
}
