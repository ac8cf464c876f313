package configschema

import "strings"

// Flag is one param given on a command line as --NAME=VALUE, the way
// librec-auto passes a config element's params to a post script.
type Flag struct {
	Name  string // without the dashes: "dest"
	Value string
}

// CommandLine names, in place of a config file, the call that
// ResolveParams checks.
const CommandLine = "the command line"

// flagHelp says, for each param an element needs, why and how to give it
// as a flag.
var flagHelp = []struct{ name, why, fix string }{
	{"option", "post a file or a folder?", "pass --option=file or --option=folder (--option=No does nothing)"},
	{"dest", "where on Dropbox should it post?", "pass --dest=/a/dropbox/folder"},
	{"path", "what should it post?", "pass --path=post/a-file.csv (relative to the study directory)"},
	{"encrypted_key", "no credential was given another way", "pass --encrypted_key=keys/dropbox.enc (make the file with dropbox-post encrypt)"},
}

// ResolveParams checks one Dropbox element given as flags (librec-auto's
// calling convention: --option=… --path=… --dest=… --encrypted_key=…),
// with the rules and messages Resolve applies to a config element. Give each
// name once: the value that counts (librec-auto's scripts keep the last of
// a repeated flag). Names other than the element's params are warned about.
//
// A problem about one flag names it where Resolve names a line: its File is
// "--dest" and its Line 0; a flag the element needs and did not get is
// reported the same way, as "not given". Problems about the call as a whole
// have File CommandLine, as has the *InvalidError. A password flag only sets
// the element's Password to PasswordFromFlag: the caller reads the password
// itself, so ConfigPassword stays empty.
func ResolveParams(studyDir string, flags []Flag, opts ResolveOptions) (Element, []Problem, error) {
	r := &report{file: CommandLine}
	s := Script{Index: 1, Name: "dropbox-post", Lang: "python3"}
	given := map[string]string{}
	hasPassword := false
	for _, f := range flags {
		if f.Name == "password" {
			hasPassword = true
			continue
		}
		given[f.Name] = f.Value
		s.Params = append(s.Params, Param{Name: f.Name, Value: f.Value, Line: len(s.Params) + 1})
	}
	// A param that is missing is reported here, naming its flag. It is then
	// given to resolveScript as present but empty, on a line of its own
	// whose findings are dropped, so that it is not reported twice.
	missingLine := len(s.Params) + 1
	if opt, ok := given["option"]; !ok || !strings.EqualFold(opt, "no") {
		for _, h := range flagHelp {
			if _, ok := given[h.name]; ok || h.name == "encrypted_key" && !opts.RequireKey {
				continue
			}
			r.problems = append(r.problems, Problem{File: "--" + h.name, What: "not given: " + h.why, Fix: h.fix})
			s.Params = append(s.Params, Param{Name: h.name, Line: missingLine})
		}
	}

	st, err := openStudy(studyDir, opts)
	if err != nil {
		r.problem(0, "run it from the study directory, as librec-auto does", "%v", err)
	}
	er := &report{file: CommandLine}
	e := resolveScript(s, st, err == nil, opts, er)
	e.Line = 0
	if hasPassword {
		e.Password = PasswordFromFlag
	}
	// Problems move from the script's lines to the flags. Warnings about the
	// element as a whole are about a config's XML (lang, the password
	// param), which a command line does not have.
	toFlag := func(p Problem) (Problem, bool) {
		switch {
		case p.Line == missingLine:
			return p, false
		case p.Line > 0:
			p.File, p.Line = "--"+s.Params[p.Line-1].Name, 0
		}
		return p, true
	}
	for _, p := range er.problems {
		if p, ok := toFlag(p); ok {
			r.problems = append(r.problems, p)
		}
	}
	var warnings []Problem
	for _, w := range er.warnings {
		if w, ok := toFlag(w); ok && w.File != CommandLine {
			warnings = append(warnings, w)
		}
	}
	e.Warnings = warnings
	if err := r.err(); err != nil {
		return Element{}, warnings, err
	}
	return e, warnings, nil
}
