package filter

import (
	"fmt"
	"regexp"
	"strings"
)

// compile turns a glob into a regular expression over the "/"-separated
// path below LOCAL, with rclone's rules:
//   - "*" matches any run of characters within a path segment (no "/"),
//     "**" any run of characters, "/" included; "?" one character other
//     than "/"; "[…]" a class ("[!…]" or "[^…]" negated), never "/";
//     "{a,b}" either alternative; "\" makes the next character literal;
//   - a pattern starting with "/" is anchored at LOCAL; any other pattern
//     matches the end of the path at a segment boundary ("*.bin" matches
//     "a.bin" and "logs/a.bin", "logs/*.txt" matches "x/logs/a.txt");
//   - a pattern ending with "/" names a folder and everything in it
//     ("logs/" is "logs/**").
//
// The result is a Go regexp (RE2): matching takes time linear in the
// path's length times the pattern's, never backtracks, so no pattern can
// make matching explode.
func compile(glob string) (*regexp.Regexp, error) {
	if glob == "" {
		return nil, fmt.Errorf("an empty pattern")
	}
	gs := glob
	var b strings.Builder
	b.WriteString("(?s)")
	if strings.HasPrefix(gs, "/") {
		b.WriteString("^")
		gs = gs[1:]
	} else {
		b.WriteString("^(?:.*/)?")
	}
	if strings.HasSuffix(gs, "/") && !strings.HasSuffix(gs, `\/`) {
		gs += "**"
	}
	depth := 0 // open "{"
	g := []rune(gs)
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch c {
		case '\\':
			if i+1 == len(g) {
				return nil, fmt.Errorf("it ends with a lone \\")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(g[i])))
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				for i+1 < len(g) && g[i+1] == '*' { // "***" is "**"
					i++
				}
				b.WriteString(".*")
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end, class, err := classAt(g, i)
			if err != nil {
				return nil, err
			}
			b.WriteString(class)
			i = end
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("a } without a {")
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("a { without a }")
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("it cannot be read as a glob: %v", err)
	}
	return re, nil
}

// classAt reads the class "[…]" that starts at g[i], and returns the index
// of its "]" and the class as a regexp that never matches "/".
func classAt(g []rune, i int) (int, string, error) {
	j := i + 1
	neg := false
	if j < len(g) && (g[j] == '!' || g[j] == '^') {
		neg = true
		j++
	}
	var body strings.Builder
	first := true
	for ; j < len(g); j++ {
		c := g[j]
		switch {
		case c == ']' && !first:
			if body.Len() == 0 {
				return 0, "", fmt.Errorf("an empty class []")
			}
			if neg {
				return j, "[^/" + body.String() + "]", nil
			}
			return j, "(?:[" + body.String() + "])", nil
		case c == '\\' && j+1 < len(g):
			j++
			body.WriteString(regexp.QuoteMeta(string(g[j])))
		case c == '-' && !first && j+1 < len(g) && g[j+1] != ']':
			body.WriteRune('-')
		case c == '/':
			return 0, "", fmt.Errorf("a / inside a class [...]")
		default:
			body.WriteString(quoteClass(c))
		}
		first = false
	}
	return 0, "", fmt.Errorf("a [ without a ]")
}

// quoteClass quotes a character for use inside a regexp class.
func quoteClass(c rune) string {
	switch c {
	case '\\', ']', '[', '^', '-':
		return `\` + string(c)
	}
	return string(c)
}
