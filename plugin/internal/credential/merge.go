package credential

import (
	"bytes"
	"strings"
)

// Putting an exported credential into a dashboard's own file ('secrets
// export --write FILE'): what export prints takes the place of what an
// earlier export put there, and the rest of the file is kept byte for byte,
// so that running the same export twice gives the same file (appending it
// twice gives a secrets.toml with two [dropbox] tables, which TOML refuses).

// MergeStreamlit returns the secrets.toml text old with section (a
// [dropbox] table, as StreamlitSecrets makes it) in place of its [dropbox]
// table: the first one gives way to section, a later one (a file the
// section was appended to twice) is removed, and without one section is
// added at the end. A table runs from its header to the next table header;
// blank lines before that header stay. Headers inside multi-line strings
// are not taken for headers.
func MergeStreamlit(old, section []byte) []byte {
	var out bytes.Buffer
	placed, inOurs := false, false
	var pending bytes.Buffer // blank lines at the end of a table being removed
	var quote string         // the multi-line string delimiter open, if any
	for _, line := range splitLines(old) {
		text := strings.TrimSpace(string(line))
		if quote == "" && strings.HasPrefix(text, "[") {
			if inOurs {
				out.Write(pending.Bytes()) // the blank lines before the next header stay
			}
			pending.Reset()
			inOurs = tableName(text) == "dropbox"
			if inOurs && !placed {
				out.Write(section)
				placed = true
			}
			if inOurs {
				continue
			}
		}
		quote = multilineQuote(text, quote)
		switch {
		case !inOurs:
			out.Write(line)
		case text == "":
			pending.Write(line)
		default:
			pending.Reset()
		}
	}
	if !placed {
		b := out.Bytes()
		if len(b) > 0 && b[len(b)-1] != '\n' {
			out.WriteByte('\n')
		}
		if len(b) > 0 {
			out.WriteByte('\n')
		}
		out.Write(section)
	}
	return out.Bytes()
}

// tableName returns the name of a TOML table header line ("[dropbox]",
// "[ dropbox ] # comment", `["dropbox"]`), or "" for an array of tables
// ("[[…]]") or a line that is no header.
func tableName(text string) string {
	if strings.HasPrefix(text, "[[") {
		return ""
	}
	name, _, ok := strings.Cut(text[1:], "]")
	if !ok {
		return ""
	}
	name = strings.TrimSpace(name)
	if len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0] {
		name = name[1 : len(name)-1]
	}
	return name
}

// multilineQuote returns the multi-line string delimiter (`"""` or `”'`)
// open after a line, given the one open before it ("" for none).
func multilineQuote(text, open string) string {
	for {
		if open != "" {
			i := strings.Index(text, open)
			if i < 0 {
				return open
			}
			text, open = text[i+3:], ""
			continue
		}
		d, s := strings.Index(text, `"""`), strings.Index(text, `'''`)
		switch {
		case d < 0 && s < 0:
			return ""
		case s < 0 || d >= 0 && d < s:
			text, open = text[d+3:], `"""`
		default:
			text, open = text[s+3:], `'''`
		}
	}
}

// MergeEnv returns the .env text old with env (.env lines, as EnvLines
// makes them) in place of the lines that set a credential variable
// (DROPBOX_ACCESS_TOKEN, DROPBOX_APP_KEY, DROPBOX_APP_SECRET,
// DROPBOX_REFRESH_TOKEN, DROPBOX_SCOPE, with "export " or without): where
// the first of them stood, or at the end. Every other line is kept.
func MergeEnv(old, env []byte) []byte {
	var out bytes.Buffer
	placed := false
	for _, line := range splitLines(old) {
		m := envLine.FindStringSubmatch(strings.TrimSpace(string(line)))
		if m == nil || !credentialVariable(m[1]) {
			out.Write(line)
			continue
		}
		if !placed {
			out.Write(env)
			placed = true
		}
	}
	if !placed {
		if b := out.Bytes(); len(b) > 0 && b[len(b)-1] != '\n' {
			out.WriteByte('\n')
		}
		out.Write(env)
	}
	return out.Bytes()
}

func credentialVariable(name string) bool {
	switch name {
	case EnvAccessToken, EnvAppKey, EnvAppSecret, EnvRefreshToken, EnvScope:
		return true
	}
	return false
}

// splitLines splits b after each newline; the last line may have none.
func splitLines(b []byte) [][]byte {
	parts := bytes.SplitAfter(b, []byte("\n"))
	if len(parts[len(parts)-1]) == 0 {
		parts = parts[:len(parts)-1]
	}
	return parts
}
