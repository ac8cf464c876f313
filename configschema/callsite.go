package configschema

import (
	"slices"
	"strings"
)

// CallSite finds the Dropbox element of c that a librec-auto call came
// from: the first whose params with text are the call's flags (canonical
// names; the last value of a name, every value of a list; the password and
// unknown names left out, as the call leaves them out). false when none is:
// a config changed since, or a call typed by hand. It is used only to name
// the element in messages ("element 2 (line 14)"), never to decide
// anything.
func (c *Config) CallSite(flags []Flag) (Script, bool) {
	want := callParams(flags)
	for _, s := range c.Scripts {
		var fs []Flag
		for _, p := range s.Params {
			fs = append(fs, Flag{Name: p.Name, Value: p.Value})
		}
		if got := callParams(fs); slices.Equal(got, want) {
			return s, true
		}
	}
	return Script{}, false
}

// callParams returns what a call of flags comes to: each known param with
// text by canonical name, the last value of a name and every value of a
// list, sorted, without the password.
func callParams(flags []Flag) []Flag {
	last := map[string]int{}
	var out []Flag
	for _, f := range flags {
		spec, known := CanonicalParam(f.Name)
		if !known || spec.Name == "password" || f.Value == "" {
			continue
		}
		f.Name = spec.Name
		if i, seen := last[f.Name]; seen && !spec.Repeatable {
			out[i].Value = f.Value
			continue
		}
		last[f.Name] = len(out)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Flag) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// CallPassword is the password a librec-auto call ends with: the last of
// its Count --password params (0: none).
type CallPassword struct {
	Last  Secret
	Count int
}

// PasswordOf tells where the password of a librec-auto call of s came
// from. librec-auto passes each password param of s that has text, in its
// place, as --password=TEXT, and -k's password after them all. So the call's
// password is the one written in s (fromConfig) when it is s's text (white
// space around it aside: librec-auto passes the element's text as it is,
// the config's reading trims it) and pw.Count is not above the number of
// s's password params with text, so that no -k followed them. written is
// s's password text ("" when it has none), as Resolve takes it: the last
// password param with text.
func (s Script) PasswordOf(pw CallPassword) (written Secret, fromConfig bool) {
	withText := 0
	for _, p := range s.Params {
		if spec, ok := CanonicalParam(p.Name); ok && spec.Name == "password" && p.Value != "" {
			written, withText = Secret(p.Value), withText+1
		}
	}
	last := string(pw.Last)
	fromConfig = withText > 0 && pw.Count > 0 && pw.Count <= withText &&
		(last == string(written) || strings.TrimSpace(last) == string(written))
	return written, fromConfig
}
