package dpath

import (
	"fmt"
	"strings"
	"unicode"
)

// Lookalikes returns, for each distinct character of s that is invisible or
// can pass for another, its code point and name ("U+200B ZERO WIDTH SPACE"),
// in the order they first appear; nil when there is none. Dropbox stores such
// names, but a reader cannot tell "/results" from "/results\u200b" or
// "/ｒesults", so a config or a folder that holds them may post somewhere
// other than where it seems to: callers warn, and go on.
//
// It is a cheap table, not Unicode's confusables list: format characters
// (category Cf: zero-width spaces and joiners, bidirectional controls, the
// byte-order mark, soft hyphen), spaces other than U+0020, invisible fillers,
// the Halfwidth and Fullwidth Forms block, and Cyrillic and Greek letters
// that look like Latin ones when they share a name with Latin letters.
func Lookalikes(s string) []string {
	latin := strings.IndexFunc(s, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) >= 0
	var out []string
	seen := map[rune]bool{}
	for _, r := range s {
		if seen[r] {
			continue
		}
		seen[r] = true
		if name := lookalike(r, latin); name != "" {
			out = append(out, fmt.Sprintf("%U %s", r, name))
		}
	}
	return out
}

// lookalike returns r's name when r is invisible or a look-alike, else "".
// latin says whether the name also holds ASCII letters (a Cyrillic "а" among
// them is a disguise; in a Russian name it is just a letter).
func lookalike(r rune, latin bool) string {
	if name, ok := invisibleNames[r]; ok {
		return name
	}
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return "FULLWIDTH " + asciiName(r-0xFF01+'!')
	case r >= 0xFF00 && r <= 0xFFEF:
		return "(a halfwidth or fullwidth form)"
	case unicode.Is(unicode.Cf, r):
		return "(an invisible formatting character)"
	case unicode.Is(unicode.Zs, r) && r != ' ':
		return "(a space other than U+0020 SPACE)"
	}
	if latin {
		if name, ok := homoglyphNames[r]; ok {
			return name
		}
	}
	return ""
}

// asciiName returns the Unicode name of a printable ASCII character other
// than space.
func asciiName(r rune) string {
	switch {
	case r >= 'A' && r <= 'Z':
		return "LATIN CAPITAL LETTER " + string(r)
	case r >= 'a' && r <= 'z':
		return "LATIN SMALL LETTER " + string(unicode.ToUpper(r))
	case r >= '0' && r <= '9':
		return "DIGIT " + digitNames[r-'0']
	}
	return punctuationNames[r]
}

var digitNames = [...]string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}

var punctuationNames = map[rune]string{
	'!': "EXCLAMATION MARK", '"': "QUOTATION MARK", '#': "NUMBER SIGN", '$': "DOLLAR SIGN",
	'%': "PERCENT SIGN", '&': "AMPERSAND", '\'': "APOSTROPHE", '(': "LEFT PARENTHESIS",
	')': "RIGHT PARENTHESIS", '*': "ASTERISK", '+': "PLUS SIGN", ',': "COMMA",
	'-': "HYPHEN-MINUS", '.': "FULL STOP", '/': "SOLIDUS", ':': "COLON", ';': "SEMICOLON",
	'<': "LESS-THAN SIGN", '=': "EQUALS SIGN", '>': "GREATER-THAN SIGN", '?': "QUESTION MARK",
	'@': "COMMERCIAL AT", '[': "LEFT SQUARE BRACKET", '\\': "REVERSE SOLIDUS",
	']': "RIGHT SQUARE BRACKET", '^': "CIRCUMFLEX ACCENT", '_': "LOW LINE", '`': "GRAVE ACCENT",
	'{': "LEFT CURLY BRACKET", '|': "VERTICAL LINE", '}': "RIGHT CURLY BRACKET", '~': "TILDE",
}

// invisibleNames are the invisible characters met in practice, by name.
var invisibleNames = map[rune]string{
	0x00A0: "NO-BREAK SPACE", 0x00AD: "SOFT HYPHEN", 0x034F: "COMBINING GRAPHEME JOINER",
	0x061C: "ARABIC LETTER MARK", 0x115F: "HANGUL CHOSEONG FILLER", 0x1160: "HANGUL JUNGSEONG FILLER",
	0x180E: "MONGOLIAN VOWEL SEPARATOR",
	0x2000: "EN QUAD", 0x2001: "EM QUAD", 0x2002: "EN SPACE", 0x2003: "EM SPACE",
	0x2004: "THREE-PER-EM SPACE", 0x2005: "FOUR-PER-EM SPACE", 0x2006: "SIX-PER-EM SPACE",
	0x2007: "FIGURE SPACE", 0x2008: "PUNCTUATION SPACE", 0x2009: "THIN SPACE", 0x200A: "HAIR SPACE",
	0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
	0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
	0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x202F: "NARROW NO-BREAK SPACE",
	0x205F: "MEDIUM MATHEMATICAL SPACE", 0x2060: "WORD JOINER", 0x2061: "FUNCTION APPLICATION",
	0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR", 0x2064: "INVISIBLE PLUS",
	0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE", 0x2800: "BRAILLE PATTERN BLANK",
	0x3000: "IDEOGRAPHIC SPACE", 0x3164: "HANGUL FILLER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
	0xFFA0: "HALFWIDTH HANGUL FILLER",
}

// homoglyphNames are Cyrillic and Greek letters drawn like Latin ones.
var homoglyphNames = map[rune]string{
	0x0430: "CYRILLIC SMALL LETTER A", 0x0435: "CYRILLIC SMALL LETTER IE", 0x043E: "CYRILLIC SMALL LETTER O",
	0x0440: "CYRILLIC SMALL LETTER ER", 0x0441: "CYRILLIC SMALL LETTER ES", 0x0443: "CYRILLIC SMALL LETTER U",
	0x0445: "CYRILLIC SMALL LETTER HA", 0x0455: "CYRILLIC SMALL LETTER DZE", 0x0456: "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I",
	0x0458: "CYRILLIC SMALL LETTER JE", 0x04BB: "CYRILLIC SMALL LETTER SHHA",
	0x0410: "CYRILLIC CAPITAL LETTER A", 0x0412: "CYRILLIC CAPITAL LETTER VE", 0x0415: "CYRILLIC CAPITAL LETTER IE",
	0x041A: "CYRILLIC CAPITAL LETTER KA", 0x041C: "CYRILLIC CAPITAL LETTER EM", 0x041D: "CYRILLIC CAPITAL LETTER EN",
	0x041E: "CYRILLIC CAPITAL LETTER O", 0x0420: "CYRILLIC CAPITAL LETTER ER", 0x0421: "CYRILLIC CAPITAL LETTER ES",
	0x0422: "CYRILLIC CAPITAL LETTER TE", 0x0425: "CYRILLIC CAPITAL LETTER HA", 0x0405: "CYRILLIC CAPITAL LETTER DZE",
	0x0406: "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I", 0x0408: "CYRILLIC CAPITAL LETTER JE",
	0x03BF: "GREEK SMALL LETTER OMICRON",
	0x0391: "GREEK CAPITAL LETTER ALPHA", 0x0392: "GREEK CAPITAL LETTER BETA", 0x0395: "GREEK CAPITAL LETTER EPSILON",
	0x0396: "GREEK CAPITAL LETTER ZETA", 0x0397: "GREEK CAPITAL LETTER ETA", 0x0399: "GREEK CAPITAL LETTER IOTA",
	0x039A: "GREEK CAPITAL LETTER KAPPA", 0x039C: "GREEK CAPITAL LETTER MU", 0x039D: "GREEK CAPITAL LETTER NU",
	0x039F: "GREEK CAPITAL LETTER OMICRON", 0x03A1: "GREEK CAPITAL LETTER RHO", 0x03A4: "GREEK CAPITAL LETTER TAU",
	0x03A5: "GREEK CAPITAL LETTER UPSILON", 0x03A7: "GREEK CAPITAL LETTER CHI",
}
