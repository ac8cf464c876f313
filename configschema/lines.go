package configschema

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
)

// maxDepth bounds element nesting, so that hostile input cannot make the
// reader use unbounded memory. No real config comes near it.
const maxDepth = 256

// MaxNodes bounds the XML elements, attributes, comments, processing
// instructions and directives of a config, counted as it is read, before
// the document is built: a librec-auto config has a few hundred, and a
// hostile one with hundreds of thousands would cost seconds and hundreds of
// megabytes to build and check.
const MaxNodes = 10000

// startLines reads data the way etree does (encoding/xml RawToken, strict,
// charset declarations passed through) and returns the 1-based line of every
// start tag, in document order: the i-th entry belongs to the i-th element
// of etree's document, counted depth-first. It also does the checks that
// etree makes without reporting a line, so that a document it accepts is one
// etree accepts, and a document it refuses is refused with a line.
func startLines(data []byte) ([]int, *Problem) {
	nl := newNewlineIndex(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	type open struct {
		name xml.Name
		line int
	}
	var stack []open
	var lines []int
	roots, nodes := 0, 0
	tooMany := func() *Problem {
		return &Problem{Line: nl.line(d.InputOffset()),
			What: fmt.Sprintf("the config has more than %d XML elements, attributes and comments, far more than a librec-auto config holds", MaxNodes),
			Fix:  "check that this is the study's conf/config.xml"}
	}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &Problem{Line: se.Line, What: "not well-formed XML: " + se.Msg,
					Fix: "fix the XML on that line (an unclosed tag, a stray \"<\" or \"&\", or a missing quote is the usual cause)"}
			}
			return nil, &Problem{Line: nl.line(d.InputOffset()), What: "cannot read the XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if nodes += 1 + len(t.Attr); nodes > MaxNodes {
				return nil, tooMany()
			}
			line := nl.line(off)
			if len(stack) == 0 {
				roots++
				if roots == 2 {
					return nil, &Problem{Line: line, What: fmt.Sprintf("a second top-level element <%s> after the root element", t.Name.Local),
						Fix: "a config has one <librec-auto> element; move this one inside it or remove it"}
				}
			}
			if len(stack) >= maxDepth {
				return nil, &Problem{Line: line, What: fmt.Sprintf("elements are nested more than %d deep", maxDepth)}
			}
			stack = append(stack, open{t.Name, line})
			lines = append(lines, line)
		case xml.EndElement:
			line := nl.line(off)
			if len(stack) == 0 {
				return nil, &Problem{Line: line, What: fmt.Sprintf("</%s> closes an element that was never opened", t.Name.Local),
					Fix: "remove it, or add the matching start tag"}
			}
			top := stack[len(stack)-1]
			if top.name != t.Name {
				return nil, &Problem{Line: line, What: fmt.Sprintf("</%s> where </%s> was expected (<%s> opened on line %d)", t.Name.Local, top.name.Local, top.name.Local, top.line),
					Fix: "close the elements in the order they were opened"}
			}
			stack = stack[:len(stack)-1]
		case xml.Comment, xml.ProcInst, xml.Directive:
			if nodes++; nodes > MaxNodes {
				return nil, tooMany()
			}
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return nil, &Problem{Line: top.line, What: fmt.Sprintf("<%s> is never closed: the file ends first", top.name.Local),
			Fix: fmt.Sprintf("add </%s>, or check that the file was saved whole", top.name.Local)}
	}
	if roots == 0 {
		return nil, &Problem{Line: 0, What: "no XML element in the file", Fix: "a librec-auto config is an XML file whose root element is <librec-auto>"}
	}
	return lines, nil
}

// newlineIndex holds the byte offsets of the newlines of a document.
type newlineIndex []int

func newNewlineIndex(data []byte) newlineIndex {
	var idx newlineIndex
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i)
		}
	}
	return idx
}

// line returns the 1-based line holding byte offset off.
func (n newlineIndex) line(off int64) int {
	return 1 + sort.Search(len(n), func(i int) bool { return int64(n[i]) >= off })
}
