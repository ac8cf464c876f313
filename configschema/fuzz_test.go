package configschema

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that reading a config never panics, whatever the bytes,
// that a refusal is always an *InvalidError with a problem, and that every
// element found has a line (the line pass and etree agree).
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.xml")
	seeds = append(seeds, filepath.Join(exampleStudy, "conf", "config.xml"))
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "<", "<librec-auto/>", "<librec-auto><post></post></librec-auto>",
		dropboxConfig(goodScripts),
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><librec-auto/>",
		"<librec-auto><post><script><script-name>dropbox-post.py</script-name><param name='path'>/etc/passwd</param></script></post></librec-auto>",
		"<!DOCTYPE x [<!ENTITY e \"&e;\">]><librec-auto>&e;</librec-auto>",
	} {
		f.Add([]byte(s))
	}
	study := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("conf/config.xml", data)
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) || len(inv.Problems) == 0 {
				t.Fatalf("Parse error %v is not an *InvalidError with problems", err)
			}
			return
		}
		for _, s := range c.Scripts {
			if s.Line < 1 {
				t.Fatalf("script %d has no line", s.Index)
			}
			for _, p := range s.Params {
				if p.Line < s.Line {
					t.Fatalf("param %q of script %d is on line %d, before its script (line %d)", p.Name, s.Index, p.Line, s.Line)
				}
			}
		}
		els, _, err := c.Resolve(study, ResolveOptions{RequireKey: true})
		if err == nil && len(els) != len(c.Scripts) {
			t.Fatalf("%d elements for %d scripts", len(els), len(c.Scripts))
		}
	})
}
