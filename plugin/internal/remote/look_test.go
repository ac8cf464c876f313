package remote

import (
	"slices"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// Sorted names each entry below Base in the order of a tree, each folder's
// name in the case of its own entry (only the last name of a path_display
// has reliable case), and leaves out what is not below Base.
func TestSortedNamesAndOrder(t *testing.T) {
	h := &Held{Base: "/d", Folder: true, Entries: map[string]Entry{}}
	for _, e := range []Entry{
		{Path: "/d/Sub", Folder: true},
		{Path: "/D/SUB/a.csv"},
		{Path: "/d/sub-x.csv"},
		{Path: "/d/B.txt"},
		{Path: "/d/a.txt"},
		{Path: "/elsewhere/z"},
		{Path: "/d/sub/Deep", Folder: true},
		{Path: "/d/SUB/DEEP/c"},
	} {
		h.Entries[dpath.Key(e.Path)] = e
	}
	var got []string
	for _, n := range h.Sorted() {
		got = append(got, n.Rel)
	}
	want := []string{"a.txt", "B.txt", "Sub", "Sub/a.csv", "Sub/Deep", "Sub/Deep/c", "sub-x.csv"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	file := &Held{Base: "", Entries: map[string]Entry{"/a.csv": {Path: "/A.csv"}}}
	if s := file.Sorted(); len(s) != 1 || s[0].Rel != "A.csv" {
		t.Fatalf("a file at the root: %+v", s)
	}
}
