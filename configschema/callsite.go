package configschema

import "slices"

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
