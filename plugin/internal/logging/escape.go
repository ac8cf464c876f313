package logging

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns a writer that passes text on with every control
// character escaped, so that nothing from outside (a file name, config
// text, a server's answer) can move the cursor, clear the screen, set the
// terminal's title or fake a log line, whichever message it reaches and
// however it was quoted there. It is the last line of defence behind the
// %q quoting at each message. "\n" and "\t" pass; every other C0 control,
// DEL, the C1 controls, the bidi controls and bytes that are not UTF-8 are
// written as Go escapes ("\x1b", "\r", "\u009b", "\u202e", "\xff").
//
// Each Write is escaped on its own: the program writes whole strings, so a
// character is never split between two writes. Data the user asked for
// (decrypt, secrets export) must not go through it.
func Escape(w io.Writer) io.Writer {
	if e, ok := w.(*escaper); ok {
		return e
	}
	return &escaper{w: w}
}

type escaper struct{ w io.Writer }

func (e *escaper) Write(p []byte) (int, error) {
	if clean(p) {
		return e.w.Write(p)
	}
	if _, err := io.WriteString(e.w, EscapeString(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// clean reports whether p needs no escape (the common case: ASCII text).
func clean(p []byte) bool {
	for _, b := range p {
		if b >= 0x7f || b < 0x20 && b != '\n' && b != '\t' {
			return false
		}
	}
	return true
}

// EscapeString returns s with the characters Escape escapes written as Go
// escapes.
func EscapeString(s string) string {
	if clean([]byte(s)) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isBidi reports the characters that reorder the text around them: they
// can make a name read as something else.
func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
