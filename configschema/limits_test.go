package configschema

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A config of 300,000 elements is refused while it is read, before a
// document is built (it took 27 s and 666 MB before the cap).
func TestParseRefusesTooManyElements(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("<librec-auto>\n<post>\n")
	for i := 0; i < 300000; i++ {
		b.WriteString("<a/>")
	}
	b.WriteString("\n</post>\n</librec-auto>\n")
	_, err := Parse("conf/config.xml", b.Bytes())
	ps := problemsOf(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].What, "more than 10000 XML elements, attributes and comments") {
		t.Fatalf("problems = %v", ps)
	}
	if ps[0].Line != 3 {
		t.Errorf("line %d, want 3 (where the count ran over)", ps[0].Line)
	}
}

// Attributes and comments count too; a config just under the cap parses.
func TestParseCountsAttributesAndComments(t *testing.T) {
	build := func(attrs, comments int) []byte {
		var b bytes.Buffer
		b.WriteString("<librec-auto")
		for i := 0; i < attrs; i++ {
			b.WriteString(" a" + strconv.Itoa(i) + `="1"`)
		}
		b.WriteString(">")
		for i := 0; i < comments; i++ {
			b.WriteString("<!-- c -->")
		}
		b.WriteString("</librec-auto>")
		return b.Bytes()
	}
	if _, err := Parse("c.xml", build(MaxNodes-1, 0)); err != nil {
		t.Errorf("a config at the cap is refused: %v", err)
	}
	for _, data := range [][]byte{build(MaxNodes, 0), build(0, MaxNodes)} {
		_, err := Parse("c.xml", data)
		if err == nil || !strings.Contains(err.Error(), "more than 10000") {
			t.Errorf("over the cap: err = %v", err)
		}
	}
}

// A file over MaxConfigBytes is refused, and Load reads no more than one
// byte past the cap.
func TestLoadRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file of 1 GiB: reading it whole would take seconds and a GiB.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Load(path)
	ps := problemsOf(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].What, "larger than 4 MiB") {
		t.Fatalf("problems = %v", ps)
	}
	data, err := readCapped(path)
	if err != nil || len(data) != MaxConfigBytes+1 {
		t.Errorf("readCapped read %d bytes (%v), want %d", len(data), err, MaxConfigBytes+1)
	}
}
