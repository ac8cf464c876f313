package configschema

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/beevik/etree"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
)

// ScriptNames are the script-name values that mark a Dropbox post element:
// librec-auto ships dropbox_post.py, its how-to says dropbox-post.py, and
// dropbox-post is the binary's own name.
var ScriptNames = []string{"dropbox-post.py", "dropbox_post.py", "dropbox-post"}

// Config is a librec-auto config as read from its XML: its Dropbox post
// elements, in document order, before they are checked against the study.
type Config struct {
	File    string   // the config file, as given to Load or Parse
	Scripts []Script // the Dropbox <script> elements of /librec-auto/post

	postLine int       // line of the first <post>, 0 when there is none
	rootLine int       // line of <librec-auto>
	notes    []Problem // warnings found while reading
}

// Script is one Dropbox <script> element as written in the config.
type Script struct {
	Index  int    // 1-based position among the Dropbox scripts, in document order
	Line   int    // line of the <script> start tag
	Name   string // the <script-name> text, one of ScriptNames
	Lang   string // the lang attribute; librec-auto runs only "python3"
	Src    string // the src attribute: "system" (librec-auto's own folder), a directory, or ""
	Params []Param
}

// Param is one <param> of a script, as written.
type Param struct {
	Name  string // the name attribute; "" when it is missing
	Value string // the element's text with surrounding white space removed; "" for <param name="x"/>
	Line  int
}

// StudyConfig returns the path of the config that librec-auto means by
// CONFIG_FILE_NAME, the first argument it gives a post script: a bare file
// name such as "config.xml" names a file in the study's conf/ folder; a name
// with a folder in it is taken relative to the study directory.
func StudyConfig(studyDir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if filepath.Base(name) == name {
		return filepath.Join(studyDir, "conf", name)
	}
	return filepath.Join(studyDir, name)
}

// MaxConfigBytes is the largest config Load reads. A librec-auto config is
// a few kilobytes; a bigger file is refused without reading past the cap, so
// that a hostile config cannot make the program use memory or time.
const MaxConfigBytes = 4 << 20

// Load reads and parses the config file at path. Every error it returns is
// an *InvalidError.
func Load(path string) (*Config, error) {
	data, err := readCapped(path)
	if err != nil {
		fix := "check the path; a study directory holds its config in conf/config.xml"
		if os.IsPermission(err) {
			fix = "make the file readable by this user"
		}
		return nil, &InvalidError{File: path, Err: err, Problems: []Problem{{
			File: path, What: "cannot read the config: " + underlying(err), Fix: fix}}}
	}
	return Parse(path, data)
}

// readCapped reads at most MaxConfigBytes+1 bytes of the file at path: one
// more than the cap, so that a caller can tell a file over it.
func readCapped(path string) ([]byte, error) {
	f, err := regularfile.Open(path) // a FIFO, device or folder is refused at once
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
}

// Parse parses a config held in data; file names it in messages. It fails,
// with an *InvalidError, only when data is larger than MaxConfigBytes or not
// well-formed XML, holds more
// than MaxNodes elements, attributes, comments and processing instructions,
// or its root is not <librec-auto>. A config without Dropbox elements parses, with no
// Scripts: Resolve reports that, and a caller may check len(Scripts) first.
func Parse(file string, data []byte) (*Config, error) {
	r := &report{file: file}
	if len(data) > MaxConfigBytes {
		r.problem(0, "check that this is the study's conf/config.xml",
			"the config is larger than %d MiB, far more than a librec-auto config holds", MaxConfigBytes>>20)
		return nil, r.err()
	}
	lines, p := startLines(data)
	if p != nil {
		p.File = file
		return nil, &InvalidError{File: file, Problems: []Problem{*p}}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		r.problem(0, "", "not well-formed XML: %v", err)
		return nil, r.err()
	}
	lineOf := mapLines(doc, lines)
	root := doc.Root()
	if root == nil {
		r.problem(0, "a librec-auto config is an XML file whose root element is <librec-auto>", "no XML element in the file")
		return nil, r.err()
	}
	if root.Space != "" || root.Tag != "librec-auto" {
		r.problem(lineOf[root], "a librec-auto config's root element is <librec-auto>; is this the study's conf/config.xml?",
			"the root element is <%s>, not <librec-auto>", root.FullTag())
		return nil, r.err()
	}
	c := &Config{File: file, rootLine: lineOf[root]}
	for _, post := range children(root, "post") {
		if c.postLine == 0 {
			c.postLine = lineOf[post]
		}
		for _, s := range children(post, "script") {
			name := scriptName(s)
			if !isDropboxName(name) {
				if strings.Contains(strings.ToLower(name), "dropbox") {
					c.notes = append(c.notes, Problem{File: file, Line: lineOf[s],
						What: fmt.Sprintf("script %q is not one dropbox-post runs, so it is left alone", name),
						Fix:  "if it is meant to post to Dropbox, name it " + strings.Join(ScriptNames, ", ")})
				}
				continue
			}
			c.Scripts = append(c.Scripts, readScript(s, len(c.Scripts)+1, name, lineOf))
		}
	}
	for _, s := range doc.FindElements("//script") {
		if isDropboxName(scriptName(s)) && !(s.Parent() != nil && s.Parent().Tag == "post" && s.Parent().Parent() == root) {
			c.notes = append(c.notes, Problem{File: file, Line: lineOf[s],
				What: fmt.Sprintf("a %s script outside /librec-auto/post is not a post-processing step; it is ignored", scriptName(s)),
				Fix:  "move it into the <post> section"})
		}
	}
	return c, nil
}

func readScript(s *etree.Element, index int, name string, lineOf map[*etree.Element]int) Script {
	sc := Script{
		Index: index,
		Line:  lineOf[s],
		Name:  name,
		Lang:  s.SelectAttrValue("lang", ""),
		Src:   s.SelectAttrValue("src", ""),
	}
	for _, p := range children(s, "param") {
		sc.Params = append(sc.Params, Param{
			Name:  p.SelectAttrValue("name", ""),
			Value: strings.TrimSpace(p.Text()),
			Line:  lineOf[p],
		})
	}
	return sc
}

// mapLines pairs each element of doc, in depth-first order, with its line.
// If the counts disagree (they should not), lines are left unknown (0).
func mapLines(doc *etree.Document, lines []int) map[*etree.Element]int {
	var order []*etree.Element
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			order = append(order, c)
			walk(c)
		}
	}
	walk(&doc.Element)
	m := make(map[*etree.Element]int, len(order))
	if len(order) != len(lines) {
		return m
	}
	for i, e := range order {
		m[e] = lines[i]
	}
	return m
}

func children(e *etree.Element, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.Space == "" && c.Tag == tag {
			out = append(out, c)
		}
	}
	return out
}

func scriptName(s *etree.Element) string {
	if n := s.SelectElement("script-name"); n != nil {
		return strings.TrimSpace(n.Text())
	}
	return ""
}

func isDropboxName(name string) bool {
	for _, n := range ScriptNames {
		if name == n {
			return true
		}
	}
	return false
}

// underlying returns the text of a *fs.PathError's cause, or err's text.
func underlying(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
