package dpath

import (
	"strings"
	"testing"
)

// FuzzClean checks that Clean never panics and that what it returns is a
// clean path: idempotent, rooted (or the root ""), without "//" or a
// trailing "/", and made only of names CheckName accepts.
func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", `\a\b`, "/results/run1/", "rel/path", "/a/../b", "/a/./b",
		"/a /b", "/a\x00", "/é/ü", "id:abc", "/" + strings.Repeat("x", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Clean(in)
		if err != nil {
			if out != "" {
				t.Fatalf("Clean(%q) returned %q with error %v", in, out, err)
			}
			return
		}
		if out != "" && !strings.HasPrefix(out, "/") {
			t.Fatalf("Clean(%q) = %q: not rooted", in, out)
		}
		if strings.Contains(out, "//") || strings.HasSuffix(out, "/") {
			t.Fatalf("Clean(%q) = %q: has // or a trailing /", in, out)
		}
		again, err := Clean(out)
		if err != nil || again != out {
			t.Fatalf("Clean(Clean(%q)) = %q, %v; want %q", in, again, err, out)
		}
		if out != "" {
			for _, name := range strings.Split(out[1:], "/") {
				if err := CheckName(name); err != nil {
					t.Fatalf("Clean(%q) = %q holds a bad name: %v", in, out, err)
				}
			}
		}
		if Join(Parent(out), Base(out)) != out {
			t.Fatalf("Join(Parent, Base) of %q = %q", out, Join(Parent(out), Base(out)))
		}
	})
}
