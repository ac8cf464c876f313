package local

import (
	"io"
	"testing"
)

// TestOpenerAcrossFolders: an Opener reads files of several folders, in
// any order (coming back to a folder it left), each with its own content.
func TestOpenerAcrossFolders(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"top.csv", "a/x.csv", "a/y.csv", "a/b/z.csv", "c/w.csv"} {
		write(t, root, rel, []byte("content of "+rel))
	}
	tree, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	byRel := map[string]*File{}
	for _, f := range tree.Files {
		byRel[f.Rel] = f
	}
	var o Opener
	defer o.Close()
	for _, rel := range []string{"a/x.csv", "a/y.csv", "a/b/z.csv", "a/x.csv", "top.csv", "c/w.csv", "a/y.csv"} {
		r, err := o.Open(byRel[rel])
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(b) != "content of "+rel {
			t.Errorf("%s: read %q (%v)", rel, b, err)
		}
	}
}
