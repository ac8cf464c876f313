package configschema

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
)

// ResolveOptions are the caller's decisions about what a config may do.
type ResolveOptions struct {
	// AllowOutsideStudy lets path and encrypted_key name files outside the
	// study directory. Off by default: a config from a public repository
	// must not be able to post its user's home directory.
	AllowOutsideStudy bool

	// Allowed are folders (absolute) outside the study that a path param
	// may name or lead into through a symbolic link: the person's
	// DROPBOX_POST_ALLOW_OUTSIDE, for results kept on
	// scratch storage; never a config's. Key files stay in the study.
	Allowed []string

	// RequireKey makes a missing encrypted_key param a problem. Leave it
	// off when the credential comes from elsewhere (the environment); an
	// element without a key then has Key == "".
	RequireKey bool
}

// Resolve checks every Dropbox element against the study directory (where
// librec-auto runs post scripts, and which relative paths start from) and
// Dropbox's path rules. It returns the elements in document order, and every
// warning, in line order, whatever else happens. When anything is wrong it
// returns no elements and an *InvalidError holding every problem found.
//
// A config with no Dropbox element is an error: there is nothing to post,
// and a typo in a script name would otherwise go unnoticed. A caller for
// which that is normal checks len(c.Scripts) first.
func (c *Config) Resolve(studyDir string, opts ResolveOptions) ([]Element, []Problem, error) {
	r := &report{file: c.File}
	r.warnings = append(r.warnings, c.notes...)
	st, err := openStudy(studyDir, opts)
	studyOK := err == nil
	if err != nil {
		r.problem(0, "give the study directory (the one holding conf/config.xml) with -t", "%v", err)
	}
	if len(c.Scripts) == 0 {
		const fix = `add <script lang="python3" src="system"><script-name>dropbox-post.py</script-name> with option, path, dest and encrypted_key params`
		if c.postLine == 0 {
			r.problem(c.rootLine, fix+", inside a <post> section", "the config has no <post> section, so there is nothing to post to Dropbox")
		} else {
			r.problem(c.postLine, fix, "the <post> section has no Dropbox script (script-name %s), so there is nothing to post", strings.Join(ScriptNames, ", "))
		}
	}
	elems := make([]Element, 0, len(c.Scripts))
	for _, s := range c.Scripts {
		er := &report{file: c.File}
		e := resolveScript(s, st, studyOK, opts, er)
		e.Warnings = er.warnings
		r.problems = append(r.problems, er.problems...)
		r.warnings = append(r.warnings, er.warnings...)
		elems = append(elems, e)
	}
	byLine(r.warnings)
	fixOnce(r.warnings)
	if err := r.err(); err != nil {
		return nil, r.warnings, err
	}
	return elems, r.warnings, nil
}

// resolveScript checks one element, recording its problems and warnings in r.
func resolveScript(s Script, st study, studyOK bool, opts ResolveOptions, r *report) Element {
	e := Element{Index: s.Index, Line: s.Line, ScriptName: s.Name, Lang: s.Lang, Src: s.Src}
	if s.Lang != "python3" {
		r.warn(s.Line, `set lang="python3" if librec-auto should run it`,
			`Dropbox script %d has lang=%q: librec-auto runs only lang="python3" post scripts, so "librec-auto post" will not run it (dropbox-post run still does)`, s.Index, s.Lang)
	}
	params, lists, blank, hasPassword := readParams(s, r)
	// missing reports a param that librec-auto would not pass: absent, or
	// present without text.
	missing := func(name, fix, what string) {
		if line, ok := blank[name]; ok {
			r.problem(line, fix, "param %s is empty", name)
			return
		}
		r.problem(s.Line, fix, "Dropbox script %d has no %s param: %s", s.Index, name, what)
	}

	opt, ok := params["option"]
	switch {
	case !ok:
		missing("option", `add <param name="option">file</param> (or folder, or No to switch the element off)`, "post a file or a folder?")
	case strings.EqualFold(opt.Value, "file"):
		e.Option = File
	case strings.EqualFold(opt.Value, "folder"):
		e.Option = Folder
	case strings.EqualFold(opt.Value, "no"):
		e.Option = Skip
		return e
	default:
		r.problem(opt.Line, "use file or folder (or No to switch the element off)", "option %q is not file, folder or No", opt.Value)
	}

	if p, ok := params["share"]; ok {
		switch {
		case strings.EqualFold(p.Value, "true"):
			e.Share = true
		case strings.EqualFold(p.Value, "false"):
		default:
			r.problem(p.Line, "use true or false", "share %q is not true or false", p.Value)
		}
	}

	e.Filter = readFilter(s.Index, params, lists, r)

	destOK := false
	if p, ok := params["dest"]; !ok {
		missing("dest", `add <param name="dest">/a/dropbox/folder</param>`, "where on Dropbox should it post?")
	} else if d, err := dpath.Clean(p.Value); err != nil {
		r.problem(p.Line, "", "dest %v", err)
	} else {
		e.Dest, e.Target, destOK = d, d, true
		if odd := dpath.Lookalikes(d); len(odd) > 0 {
			r.warn(p.Line, "retype it with plain characters unless it is meant",
				"dest %q holds %s, invisible or easily mistaken for another character: the folder may not be the one it seems", d, strings.Join(odd, ", "))
		}
	}

	if p, ok := params["path"]; !ok {
		missing("path", `add <param name="path">post/a-file.csv</param> (relative to the study directory)`, "what should it post?")
	} else {
		e.Path = p.Value
		if studyOK {
			e.Local = checkLocal(st, p, e.Option, r)
		}
		if e.Option == File && destOK {
			name := filepath.Base(filepath.Clean(p.Value))
			if t, err := dpath.Clean(e.Dest + "/" + name); err != nil {
				r.problem(p.Line, "", "the file name %q cannot be used on Dropbox: %v", name, err)
			} else {
				e.Target, e.Name = t, name
			}
		}
	}

	if p, ok := params["encrypted_key"]; ok {
		e.KeyPath = p.Value
		if studyOK {
			e.Key = checkKey(st, p, r)
		}
	} else if opts.RequireKey {
		missing("encrypted_key", `add <param name="encrypted_key">keys/dropbox.enc</param> (make the file with dropbox-post encrypt)`,
			"no credential was given another way")
	}
	e.Password, e.ConfigPassword = passwordMode(s, params, hasPassword, e.KeyPath != "", r)
	return e
}

// readFilter reads the element's exclude, include and max_size params,
// each pattern checked (its length and its syntax) where it is written.
func readFilter(index int, params map[string]Param, lists map[string][]Param, r *report) filter.Spec {
	spec := filter.Spec{From: fmt.Sprintf("config element %d", index)}
	n := 0
	for _, l := range []struct {
		name string
		out  *[]string
	}{{"exclude", &spec.Exclude}, {"include", &spec.Include}} {
		for _, p := range lists[l.name] {
			if n++; n > filter.MaxPatterns {
				r.problem(p.Line, "combine patterns (\"*.{bin,log}\")", "more than %d exclude and include params", filter.MaxPatterns)
				return filter.Spec{}
			}
			if err := filter.Check(p.Value); err != nil {
				r.problem(p.Line, "fix the pattern: * within a folder name, ** across folders, ?, [...], {a,b}; a leading / anchors at path", "%s pattern %q: %v", l.name, clip(p.Value), err)
				continue
			}
			*l.out = append(*l.out, p.Value)
		}
	}
	if p, ok := params["max_size"]; ok {
		n, err := filter.ParseSize(p.Value)
		if err != nil {
			r.problem(p.Line, "", "max_size %v", err)
		} else {
			spec.MaxSize = n
		}
	}
	return spec
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// checkLocal resolves the path param and checks it against the option.
func checkLocal(st study, p Param, opt Option, r *report) string {
	real, fi, lerr := st.resolve(p.Value, true)
	if lerr != nil {
		r.problem(p.Line, lerr.fix, "path %s", lerr.what)
		return ""
	}
	switch {
	case opt == File && fi.IsDir():
		r.problem(p.Line, "set option to folder to post the folder's contents, or point path at a file", "path %q is a folder, but option is file", p.Value)
	case opt == Folder && !fi.IsDir():
		r.problem(p.Line, "set option to file, or point path at a folder", "path %q is %s, but option is folder", p.Value, kind(false))
	case !fi.IsDir() && !fi.Mode().IsRegular():
		r.problem(p.Line, "point path at a regular file or a folder", "path %q is neither a regular file nor a folder (%s)", p.Value, fi.Mode().Type())
	}
	return real
}

// checkKey resolves the encrypted_key param to the key file's real path.
func checkKey(st study, p Param, r *report) string {
	real, fi, lerr := st.resolve(p.Value, false)
	switch {
	case lerr != nil:
		r.problem(p.Line, lerr.fix, "encrypted_key %s", lerr.what)
	case !fi.Mode().IsRegular():
		r.problem(p.Line, "point encrypted_key at the key file (made with dropbox-post encrypt)", "encrypted_key %q is %s, not a regular file", p.Value, regularfile.Kind(fi.Mode()))
	default:
		return real
	}
	return ""
}

// passwordMode says where the key's password comes from, warning about a
// password written in the config and about a key without a password param.
func passwordMode(s Script, params map[string]Param, hasPassword, hasKey bool, r *report) (PasswordMode, Secret) {
	p := params["password"]
	switch {
	case hasPassword && p.Value != "":
		r.warn(p.Line, `write <param name="password"/> and give the password with -k instead`,
			"the key's password is written in the config: anyone who can read the config can decrypt the key")
		return PasswordInline, Secret(p.Value)
	case hasPassword:
		return PasswordFromFlag, ""
	case hasKey:
		r.warn(s.Line, `add <param name="password"/>`,
			"Dropbox script %d has no password param, so librec-auto will not pass its -k password to it", s.Index)
	}
	return PasswordAbsent, ""
}
