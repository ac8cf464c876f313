package configschema

// knownParams are the params a Dropbox element understands.
var knownParams = map[string]bool{
	"option": true, "encrypted_key": true, "path": true, "dest": true, "password": true, "share": true,
}

// readParams returns the params that librec-auto would pass, by name: for
// each name, the last one with text (librec-auto passes only params with
// text, and the script's argument parser keeps the last of a name). It
// warns about params without a name, unknown names and repeated names, and
// says whether a password param is present at all (empty or not). blank
// holds the line of each known param (other than password) that is present
// only without text.
func readParams(s Script, r *report) (params map[string]Param, blank map[string]int, hasPassword bool) {
	params = make(map[string]Param)
	blank = make(map[string]int)
	firstLine := make(map[string]int)
	for _, p := range s.Params {
		switch {
		case p.Name == "":
			r.warn(p.Line, `add name="…" (option, path, dest, encrypted_key, password or share)`, "a <param> without a name attribute is ignored")
			continue
		case p.Name == "channel":
			r.warn(p.Line, "remove it", "param channel belongs to librec-auto's Slack script; Dropbox elements ignore it")
			continue
		case !knownParams[p.Name]:
			r.warn(p.Line, "the known params are option, path, dest, encrypted_key, password and share", "unknown param %q is ignored", p.Name)
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
	return params, blank, hasPassword
}

func kind(dir bool) string {
	if dir {
		return "a folder"
	}
	return "a file"
}
