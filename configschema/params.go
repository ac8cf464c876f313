package configschema

import "strings"

// A ParamSpec is one param a Dropbox element may have.
type ParamSpec struct {
	Name string // canonical spelling, as librec-auto's own script spells it: "encrypted_key"
	// Supported is false for a param that is reserved but not implemented
	// yet: it is accepted as an element param (never taken for anything
	// else) and ignored with a warning.
	Supported bool
	// Repeatable params accumulate: each one given counts (exclude,
	// include), where for the others the last one wins.
	Repeatable bool
}

// ElementParams is the one list of the params a Dropbox element may have.
// Under librec-auto's calling convention (--NAME=VALUE for every param of
// the element) these are the only names that mean anything: every other
// name is ignored with a warning, so that a config from a public repository
// cannot set what only the person running it decides (where requests go,
// what may be read, where anything is written). A new element param is
// added here, and nowhere else decides which names count.
var ElementParams = []ParamSpec{
	{"option", true, false},
	{"path", true, false},
	{"dest", true, false},
	{"encrypted_key", true, false},
	{"password", true, false},
	{"share", true, false},
	// Filters: they only narrow what is posted, so a config may set them.
	{"exclude", true, true},
	{"include", true, true},
	{"max_size", true, false},
}

// CanonicalParam returns the canonical name of an element param spelled
// name, in any case and with "-" or "_" between words ("Encrypted-Key" is
// "encrypted_key"), and whether it is one of ElementParams at all.
func CanonicalParam(name string) (ParamSpec, bool) {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	for _, p := range ElementParams {
		if p.Name == n {
			return p, true
		}
	}
	return ParamSpec{}, false
}

// supportedNames lists the supported params for messages: "option, path,
// dest, encrypted_key, password and share".
func supportedNames() string {
	var names []string
	for _, p := range ElementParams {
		if p.Supported {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// readParams returns the params that librec-auto would pass, by canonical
// name: for a repeatable name (lists), every one with text, in order; for
// the others, the last one with text (librec-auto passes only
// params with text, and the script's argument parser keeps the last of a
// name). It warns about params without a name, unknown names, reserved
// names not supported yet, and repeated names, and says whether a password
// param is present at all (empty or not). blank holds the line of each
// known param (other than password) that is present only without text.
func readParams(s Script, r *report) (params map[string]Param, lists map[string][]Param, blank map[string]int, hasPassword bool) {
	params = make(map[string]Param)
	lists = make(map[string][]Param)
	blank = make(map[string]int)
	firstLine := make(map[string]int)
	for _, p := range s.Params {
		spec, known := CanonicalParam(p.Name)
		switch {
		case p.Name == "":
			r.warn(p.Line, `add name="…" (`+supportedNames()+`)`, "a <param> without a name attribute is ignored")
			continue
		case p.Name == "channel":
			r.warn(p.Line, "remove it", "param channel belongs to librec-auto's Slack script; Dropbox elements ignore it")
			continue
		case !known:
			r.warn(p.Line, "the known params are "+supportedNames()+"; what the config may not decide (where requests go, paths outside the study, manifests, the password's source, parallelism) is set by the person running it, with the environment or dropbox-post run's flags",
				"unknown param %q is ignored", p.Name)
			continue
		case !spec.Supported:
			r.warn(p.Line, "remove it, or update dropbox-post", "param %q is not supported yet; it is ignored", p.Name)
			continue
		}
		p.Name = spec.Name
		if spec.Repeatable {
			if p.Value == "" {
				r.warn(p.Line, "give it a pattern, or remove it", "param %s is empty; it is ignored", p.Name)
			} else {
				lists[p.Name] = append(lists[p.Name], p)
			}
			continue
		}
		if p.Name == "password" {
			hasPassword = true
		}
		if first, seen := firstLine[p.Name]; seen {
			r.warn(p.Line, "remove one of them", "param %s is given again (first on line %d); like librec-auto, dropbox-post uses the last one with a value", p.Name, first)
		} else {
			firstLine[p.Name] = p.Line
		}
		switch {
		case p.Value != "":
			params[p.Name] = p
			delete(blank, p.Name)
		case p.Name == "password":
			if _, ok := params["password"]; !ok {
				params["password"] = p
			}
		default:
			if _, ok := params[p.Name]; !ok {
				blank[p.Name] = p.Line
			}
		}
	}
	return params, lists, blank, hasPassword
}

func kind(dir bool) string {
	if dir {
		return "a folder"
	}
	return "a file"
}
