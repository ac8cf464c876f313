package configschema

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A correct element of each option, as the librec-auto how-to writes them.
const goodScripts = `		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
			<param name="option">file</param>
			<param name="encrypted_key">keys/dropbox.enc</param>
			<param name="path">post/plot.png</param>
			<param name="dest">/librec/demo</param>
			<param name="password"/>
		</script>
		<script lang="python3" src="system">
			<script-name>dropbox_post.py</script-name>
			<param name="option">FOLDER</param>
			<param name="encrypted_key">keys/dropbox.enc</param>
			<param name="path">exp00000/</param>
			<param name="dest">//librec//demo/exp00000/</param>
			<param name="password"/>
			<param name="share">True</param>
		</script>
`

func TestResolveGood(t *testing.T) {
	study := standardStudy(t)
	els, warns, err := resolve(t, study, dropboxConfig(goodScripts), ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings:\n%s", list(warns))
	}
	real, _ := filepath.EvalSymlinks(study)
	want := []Element{{
		Index: 1, Line: 4, ScriptName: "dropbox-post.py", Lang: "python3", Src: "system",
		Option: File, Path: "post/plot.png", Local: filepath.Join(real, "post", "plot.png"),
		Dest: "/librec/demo", Target: "/librec/demo/plot.png",
		KeyPath: "keys/dropbox.enc", Key: filepath.Join(real, "keys", "dropbox.enc"),
		Password: PasswordFromFlag,
	}, {
		Index: 2, Line: 12, ScriptName: "dropbox_post.py", Lang: "python3", Src: "system",
		Option: Folder, Path: "exp00000/", Local: filepath.Join(real, "exp00000"),
		Dest: "/librec/demo/exp00000", Target: "/librec/demo/exp00000",
		KeyPath: "keys/dropbox.enc", Key: filepath.Join(real, "keys", "dropbox.enc"),
		Password: PasswordFromFlag, Share: true,
	}}
	if len(els) != len(want) {
		t.Fatalf("%d elements, want %d", len(els), len(want))
	}
	for i := range want {
		if els[i].String() != want[i].String() || !sameElement(els[i], want[i]) {
			t.Errorf("element %d =\n  %+v\nwant\n  %+v", i+1, els[i], want[i])
		}
	}
	if got := els[0].String(); got != `element 1 (line 4): file "post/plot.png" → "/librec/demo/plot.png"` {
		t.Errorf("String() = %q", got)
	}
}

func sameElement(a, b Element) bool {
	return a.Index == b.Index && a.Line == b.Line && a.ScriptName == b.ScriptName && a.Lang == b.Lang &&
		a.Src == b.Src && a.Option == b.Option && a.Path == b.Path && a.Local == b.Local && a.Dest == b.Dest &&
		a.Target == b.Target && a.KeyPath == b.KeyPath && a.Key == b.Key && a.Password == b.Password &&
		a.ConfigPassword == b.ConfigPassword && a.Share == b.Share && len(a.Warnings) == len(b.Warnings)
}

// script returns one Dropbox script element (on line 4 of dropboxConfig)
// holding params.
func script(params string) string {
	return "\t\t<script lang=\"python3\" src=\"system\">\n\t\t\t<script-name>dropbox-post.py</script-name>\n" + params + "\t\t</script>\n"
}

func TestResolveProblems(t *testing.T) {
	// In script(…), the <script> tag is on line 4 and the first param on line 6.
	cases := []struct {
		name     string
		params   string
		opts     ResolveOptions
		problems []want
		warnings []want
	}{{
		name:     "everything missing",
		params:   "",
		opts:     ResolveOptions{RequireKey: true},
		problems: []want{{4, "has no option param"}, {4, "has no dest param"}, {4, "has no path param"}, {4, "has no encrypted_key param"}},
	}, {
		name:     "a missing key is the caller's decision",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		opts:     ResolveOptions{RequireKey: false},
		problems: nil,
	}, {
		name:     "empty params are missing params",
		params:   "\t\t\t<param name=\"option\"/>\n\t\t\t<param name=\"path\"></param>\n\t\t\t<param name=\"dest\">  </param>\n\t\t\t<param name=\"encrypted_key\"/>\n",
		opts:     ResolveOptions{RequireKey: true},
		problems: []want{{6, "param option is empty"}, {7, "param path is empty"}, {8, "param dest is empty"}, {9, "param encrypted_key is empty"}},
	}, {
		name:     "unknown option",
		params:   "\t\t\t<param name=\"option\">files</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		problems: []want{{6, `option "files" is not file, folder or No`}},
	}, {
		name:     "relative dest",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">results</param>\n",
		problems: []want{{8, `dest "results" is a relative path: start it with "/"`}},
	}, {
		name:     "dest with ..",
		params:   "\t\t\t<param name=\"option\">folder</param>\n\t\t\t<param name=\"path\">exp00000</param>\n\t\t\t<param name=\"dest\">/a/../b</param>\n",
		problems: []want{{8, `dest "/a/../b" has a ".." component`}},
	}, {
		name:     "dest name Dropbox cannot store",
		params:   "\t\t\t<param name=\"option\">folder</param>\n\t\t\t<param name=\"path\">exp00000</param>\n\t\t\t<param name=\"dest\">/run 1 /x</param>\n",
		problems: []want{{8, `name "run 1 " ends with a space`}},
	}, {
		name:     "dest with a backslash is refused, not rewritten",
		params:   "\t\t\t<param name=\"option\">folder</param>\n\t\t\t<param name=\"path\">exp00000</param>\n\t\t\t<param name=\"dest\">\\results\\run1</param>\n",
		problems: []want{{8, `dest "\\results\\run1" contains a backslash: Dropbox paths separate folders with "/", not "\"; write it with "/"`}},
	}, {
		name:     "dest with invisible and look-alike characters is warned about",
		params:   "\t\t\t<param name=\"option\">folder</param>\n\t\t\t<param name=\"path\">exp00000</param>\n\t\t\t<param name=\"dest\">/re\u200bsults/ｒun&#x202E;1</param>\n",
		warnings: []want{{8, `dest "/re\u200bsults/ｒun\u202e1" holds U+200B ZERO WIDTH SPACE, U+FF52 FULLWIDTH LATIN SMALL LETTER R, U+202E RIGHT-TO-LEFT OVERRIDE, invisible or easily mistaken`}},
	}, {
		name:     "file given as folder",
		params:   "\t\t\t<param name=\"option\">folder</param>\n\t\t\t<param name=\"path\">post/summary.csv</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		problems: []want{{7, `path "post/summary.csv" is a file, but option is folder: set option to file`}},
	}, {
		name:     "folder given as file",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">exp00000</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		problems: []want{{7, `path "exp00000" is a folder, but option is file: set option to folder`}},
	}, {
		name:     "path that does not exist",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/nope.csv</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		problems: []want{{7, filepath.Join("study", "post", "nope.csv") + `" does not exist`}},
	}, {
		name:     "key that does not exist",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"encrypted_key\">keys/other.enc</param>\n",
		problems: []want{{9, "encrypted_key \"keys/other.enc\": "}},
		warnings: []want{{4, "no password param, so librec-auto will not pass its -k password"}},
	}, {
		name:     "key that is a folder",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"encrypted_key\">keys</param>\n\t\t\t<param name=\"password\"/>\n",
		problems: []want{{9, `encrypted_key "keys" is a directory, not a regular file`}},
	}, {
		name:     "share that is not a boolean",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"share\">yes</param>\n",
		problems: []want{{9, `share "yes" is not true or false`}},
	}, {
		name:     "password in the config",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"encrypted_key\">keys/dropbox.enc</param>\n\t\t\t<param name=\"password\">hunter2</param>\n",
		warnings: []want{{10, "anyone who can read the config can decrypt the key"}},
	}, {
		name:     "unknown params, channel and a nameless param",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"channel\">results</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"overwrite\">true</param>\n\t\t\t<param>x</param>\n",
		warnings: []want{{7, "channel belongs to librec-auto's Slack script"}, {10, `unknown param "overwrite" is ignored`}, {11, "without a name attribute is ignored"}},
	}, {
		name:     "repeated param: the last with a value wins",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/nope.csv</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"path\"/>\n",
		warnings: []want{{9, "param path is given again (first on line 7)"}, {10, "param path is given again (first on line 7)"}},
	}, {
		name:   "option No switches the element off",
		params: "\t\t\t<param name=\"option\">no</param>\n\t\t\t<param name=\"path\">post/nope.csv</param>\n\t\t\t<param name=\"dest\">relative</param>\n",
		opts:   ResolveOptions{RequireKey: true},
	}, {
		name:     "a local file name Dropbox cannot store",
		params:   "\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/results&#127;</param>\n\t\t\t<param name=\"dest\">/x</param>\n",
		problems: []want{{7, `the file name "results\x7f" cannot be used on Dropbox: "/x/results\x7f": name "results\x7f" contains the control character U+007F, which Dropbox cannot store: rename it without it`}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			study := standardStudy(t)
			_, warns, err := resolve(t, study, dropboxConfig(script(c.params)), c.opts)
			if c.problems == nil && err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			if c.problems != nil {
				match(t, "problems", problemsOf(t, err), c.problems)
			}
			match(t, "warnings", warns, c.warnings)
		})
	}
}

func TestResolveValues(t *testing.T) {
	study := standardStudy(t)
	els, _, err := resolve(t, study, dropboxConfig(script(
		"\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/nope.csv</param>\n\t\t\t<param name=\"dest\">/x</param>\n"+
			"\t\t\t<param name=\"path\">post/plot.png</param>\n\t\t\t<param name=\"path\"/>\n\t\t\t<param name=\"password\">hunter2</param>\n\t\t\t<param name=\"password\"/>\n")+
		script("\t\t\t<param name=\"option\">No</param>\n")), ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if els[0].Path != "post/plot.png" || els[0].Target != "/x/plot.png" {
		t.Errorf("the last path with a value should win: %+v", els[0])
	}
	if els[0].Password != PasswordInline || els[0].ConfigPassword.Reveal() != "hunter2" {
		t.Errorf("an empty password param after one with text keeps the text: %v %q", els[0].Password, els[0].ConfigPassword.Reveal())
	}
	if len(els[0].Warnings) != 4 {
		t.Errorf("element 1 has %d warnings, want 4 (two repeats, a repeated password, the inline password):\n%s", len(els[0].Warnings), list(els[0].Warnings))
	}
	if els[1].Option != Skip || els[1].Index != 2 || els[1].Line != 14 || els[1].String() != "element 2 (line 14): skipped (option No)" {
		t.Errorf("element 2 = %+v", els[1])
	}
}

func TestResolveReportsEverythingAtOnce(t *testing.T) {
	study := makeStudy(t, map[string]string{"post/summary.csv": "x\n"})
	c, err := Load("testdata/every-problem.xml")
	if err != nil {
		t.Fatal(err)
	}
	els, warns, err := c.Resolve(study, ResolveOptions{RequireKey: true})
	if els != nil {
		t.Errorf("elements returned with an error: %+v", els)
	}
	match(t, "problems", problemsOf(t, err), []want{
		{6, `option "files" is not file, folder or No`},
		{7, `path "../outside.csv" is ` + strconv.Quote(filepath.Join(filepath.Dir(study), "outside.csv")) + ", outside the study directory"},
		{8, `dest "results" is a relative path`},
		{9, `encrypted_key "keys/missing.enc": `},
		{12, "Dropbox script 2 has no encrypted_key param"},
		{15, `path "post/summary.csv" is a file, but option is folder`},
		{16, `dest "/results/../up" has a ".." component`},
		{17, `share "maybe" is not true or false`},
	})
	match(t, "warnings", warns, []want{
		{10, "the key's password is written in the config"},
		{12, `lang="python": librec-auto runs only lang="python3" post scripts`},
	})
	if msg := err.Error(); !strings.HasPrefix(msg, "testdata/every-problem.xml: 8 problems\n  testdata/every-problem.xml:6: ") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestSlackHowtoConfig(t *testing.T) {
	study := makeStudy(t, map[string]string{"keys/dropbox-api.enc": "k", "post/cool-graphic.jpg": "jpg"})
	c, err := Load("testdata/howto.xml")
	if err != nil {
		t.Fatal(err)
	}
	els, warns, err := c.Resolve(study, ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	match(t, "warnings", warns, []want{{9, "channel"}})
	if len(els) != 1 || els[0].Target != "/app-folder-on-dropbox/cool-graphic.jpg" || els[0].ScriptName != "dropbox_post.py" {
		t.Errorf("elements = %+v", els)
	}
	if !strings.HasPrefix(warns[0].String(), "testdata/howto.xml:9: ") {
		t.Errorf("warning = %q", warns[0].String())
	}
}
