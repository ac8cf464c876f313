package configschema

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRefusesBadXML(t *testing.T) {
	cases := []struct {
		name, xml string
		line      int
		text      string
	}{
		{"mismatched end tag", "<librec-auto>\n<post>\n</librec-auto>\n", 3, "</librec-auto> where </post> was expected (<post> opened on line 2)"},
		{"unclosed at end", "<librec-auto>\n  <post>\n", 2, "<post> is never closed"},
		{"syntax error", "<librec-auto>\n<post a=1>\n</post>\n</librec-auto>\n", 2, "not well-formed XML"},
		{"stray ampersand", "<librec-auto>\n\n<data>R&D</data>\n</librec-auto>\n", 3, "not well-formed XML"},
		{"end without start", "<librec-auto></librec-auto>\n</post>\n", 2, "</post> closes an element that was never opened"},
		{"two roots", "<librec-auto/>\n<librec-auto/>\n", 2, "a second top-level element"},
		{"empty", "", 0, "no XML element"},
		{"only a comment", "<!-- nothing -->\n", 0, "no XML element"},
		{"wrong root", "<?xml version=\"1.0\"?>\n<config>\n</config>\n", 2, "the root element is <config>, not <librec-auto>"},
		{"namespaced root", "<x:librec-auto xmlns:x=\"urn:x\"/>\n", 1, "not <librec-auto>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("conf/config.xml", []byte(c.xml))
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			match(t, "problems", problemsOf(t, err), []want{{c.line, c.text}})
		})
	}
}

func TestLoadNotXMLFile(t *testing.T) {
	_, err := Load("testdata/not-xml.xml")
	match(t, "problems", problemsOf(t, err), []want{{7, "testdata/not-xml.xml:7: </post> where </script> was expected (<script> opened on line 4)"}})
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "conf", "config.xml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v should wrap fs.ErrNotExist", err)
	}
	ps := problemsOf(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "cannot read the config: no such file") || !strings.Contains(ps[0].Fix, "conf/config.xml") {
		t.Errorf("problems = %v", ps)
	}
}

func TestParseFindsDropboxScripts(t *testing.T) {
	config := `<?xml version="1.0"?>
<librec-auto>
	<post>
		<script lang="python3" src="system">
			<script-name>results_to_csv.py</script-name>
			<param name="option">all</param>
		</script>
		<script lang="python3" src="system"><script-name>dropbox_post.py</script-name>
			<param name="option">file</param>
			<param
				name="path">  post/plot.png
			</param>
		</script>
	</post>
	<post>
		<script
			lang="python3"
			src="../dropbox-post/scripts">
			<script-name> dropbox-post.py </script-name>
			<param name="dest"/>
		</script>
	</post>
</librec-auto>
`
	c := mustParse(t, config)
	if len(c.Scripts) != 2 {
		t.Fatalf("found %d Dropbox scripts, want 2", len(c.Scripts))
	}
	s1, s2 := c.Scripts[0], c.Scripts[1]
	if s1.Index != 1 || s1.Line != 8 || s1.Name != "dropbox_post.py" || s1.Lang != "python3" || s1.Src != "system" {
		t.Errorf("script 1 = %+v", s1)
	}
	if len(s1.Params) != 2 || s1.Params[1] != (Param{Name: "path", Value: "post/plot.png", Line: 10}) {
		t.Errorf("script 1 params = %+v (a multi-line start tag counts from its '<', text is trimmed)", s1.Params)
	}
	if s2.Index != 2 || s2.Line != 16 || s2.Name != "dropbox-post.py" || s2.Src != "../dropbox-post/scripts" {
		t.Errorf("script 2 = %+v", s2)
	}
	if len(s2.Params) != 1 || s2.Params[0] != (Param{Name: "dest", Value: "", Line: 20}) {
		t.Errorf("script 2 params = %+v", s2.Params)
	}
}

func TestParseNotes(t *testing.T) {
	config := `<librec-auto>
	<rerank>
		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
		</script>
	</rerank>
	<post>
		<script lang="python3" src="system">
			<script-name>Dropbox-Post.py</script-name>
		</script>
	</post>
</librec-auto>
`
	c := mustParse(t, config)
	if len(c.Scripts) != 0 {
		t.Errorf("found %d Dropbox scripts, want none", len(c.Scripts))
	}
	_, warns, err := c.Resolve(t.TempDir(), ResolveOptions{})
	match(t, "warnings", warns, []want{
		{3, "outside /librec-auto/post is not a post-processing step"},
		{8, `script "Dropbox-Post.py" is not one dropbox-post runs`},
	})
	match(t, "problems", problemsOf(t, err), []want{{7, "the <post> section has no Dropbox script"}})
}

func TestNoDropboxScript(t *testing.T) {
	c, err := Load("testdata/no-dropbox.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scripts) != 0 {
		t.Fatalf("Scripts = %+v", c.Scripts)
	}
	els, warns, err := c.Resolve(t.TempDir(), ResolveOptions{})
	if els != nil {
		t.Errorf("elements = %+v", els)
	}
	match(t, "problems", problemsOf(t, err), []want{{8, "nothing to post"}})
	match(t, "warnings", warns, []want{{13, `script "dropbox.py" is not one dropbox-post runs`}})

	c = mustParse(t, "<librec-auto>\n\t<data/>\n</librec-auto>\n")
	_, _, err = c.Resolve(t.TempDir(), ResolveOptions{})
	match(t, "problems", problemsOf(t, err), []want{{1, "the config has no <post> section"}})
}

func TestStudyConfig(t *testing.T) {
	cases := []struct{ name, want string }{
		{"config.xml", filepath.Join("st", "conf", "config.xml")},
		{"other.xml", filepath.Join("st", "conf", "other.xml")},
		{filepath.Join("conf", "config.xml"), filepath.Join("st", "conf", "config.xml")},
		{filepath.Join("alt", "c.xml"), filepath.Join("st", "alt", "c.xml")},
		{"/abs/c.xml", "/abs/c.xml"},
	}
	for _, c := range cases {
		if got := StudyConfig("st", c.name); got != c.want {
			t.Errorf("StudyConfig(st, %q) = %q, want %q", c.name, got, c.want)
		}
	}
}
