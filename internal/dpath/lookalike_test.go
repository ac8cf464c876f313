package dpath

import (
	"reflect"
	"testing"
)

func TestLookalikes(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"/results/run1", nil},
		{"/données/résultats", nil},
		{"/Результаты", nil}, // Cyrillic on its own is a language, not a disguise
		{"/日本語/ﾃｽﾄ", []string{"U+FF83 (a halfwidth or fullwidth form)", "U+FF7D (a halfwidth or fullwidth form)", "U+FF84 (a halfwidth or fullwidth form)"}},
		{"/results\u200b", []string{"U+200B ZERO WIDTH SPACE"}},
		{"/a\u202egnp.exe", []string{"U+202E RIGHT-TO-LEFT OVERRIDE"}},
		{"/\ufeffa\ufeffb", []string{"U+FEFF ZERO WIDTH NO-BREAK SPACE"}},
		{"/ｒesults/１", []string{"U+FF52 FULLWIDTH LATIN SMALL LETTER R", "U+FF11 FULLWIDTH DIGIT ONE"}},
		{"/Ａ／b", []string{"U+FF21 FULLWIDTH LATIN CAPITAL LETTER A", "U+FF0F FULLWIDTH SOLIDUS"}},
		{"/r\u0435sults", []string{"U+0435 CYRILLIC SMALL LETTER IE"}},
		{"/a\u00a0b", []string{"U+00A0 NO-BREAK SPACE"}},
		{"/a\u2009b", []string{"U+2009 THIN SPACE"}},
		{"/a\U000E0041b", []string{"U+E0041 (an invisible formatting character)"}},
	}
	for _, c := range cases {
		if got := Lookalikes(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Lookalikes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Every fullwidth ASCII form has a name.
func TestFullwidthNames(t *testing.T) {
	for r := rune(0xFF01); r <= 0xFF5E; r++ {
		if got := lookalike(r, false); got == "FULLWIDTH " || got == "" {
			t.Errorf("%U has no name", r)
		}
	}
}
