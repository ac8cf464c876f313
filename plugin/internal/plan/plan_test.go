package plan

import (
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

func tree(files ...*local.File) *local.Tree {
	return &local.Tree{IsDir: true, Files: files}
}

func file(rel, hash string, size int64) *local.File {
	return &local.File{Rel: rel, Hash: hash, Size: size}
}

func TestMake(t *testing.T) {
	tr := tree(
		file("new.csv", "h1", 1),
		file("same.csv", "h2", 2),
		file("Changed.csv", "h3", 3),
		file("exp00000/result/a.csv", "h4", 4),
		file("dir-is-file/x.csv", "h5", 5),
		file("folder-here", "h6", 6),
	)
	tr.EmptyDirs = []string{"empty", "exists"}
	held := map[string]remote.Entry{
		"/results/same.csv":    {Path: "/results/same.csv", Hash: "h2", Size: 2},
		"/results/changed.csv": {Path: "/results/CHANGED.csv", Hash: "old", Size: 3},
		"/results/dir-is-file": {Path: "/results/dir-is-file", Hash: "h", Size: 1},
		"/results/folder-here": {Path: "/results/folder-here", Folder: true},
		"/results/exists":      {Path: "/results/exists", Folder: true},
	}
	p := Make(tr, "/results", held, Overwrite)
	want := map[string]Action{
		"new.csv": Upload, "same.csv": Unchanged, "Changed.csv": Upload,
		"exp00000/result/a.csv": Upload, "dir-is-file/x.csv": Conflict, "folder-here": Conflict,
	}
	for _, it := range p.Items {
		if it.Action != want[it.File.Rel] {
			t.Errorf("%s: %s (%s), want %s", it.File.Rel, it.Action, it.Reason, want[it.File.Rel])
		}
	}
	if p.Items[2].Dest != "/results/Changed.csv" || p.Items[2].Reason != "changed" {
		t.Errorf("changed item: %+v", p.Items[2])
	}
	if len(p.Folders) != 1 || p.Folders[0] != "/results/empty" {
		t.Errorf("folders %v", p.Folders)
	}
	if p.Count(Upload) != 3 || p.Bytes(Upload) != 1+3+4 {
		t.Errorf("counts %d %d", p.Count(Upload), p.Bytes(Upload))
	}
}

func TestIfExists(t *testing.T) {
	held := map[string]remote.Entry{"/d/a": {Path: "/d/a", Hash: "old", Size: 1}}
	for mode, want := range map[IfExists]Action{Overwrite: Upload, Skip: Kept, Fail: Conflict} {
		p := Make(tree(file("a", "new", 1)), "/d", held, mode)
		if p.Items[0].Action != want {
			t.Errorf("%s: %s", mode, p.Items[0].Action)
		}
	}
	if _, err := ParseIfExists("clobber"); err == nil {
		t.Error("clobber accepted")
	}
}

func TestSameHashDifferentSizeIsChanged(t *testing.T) {
	held := map[string]remote.Entry{"/d/a": {Path: "/d/a", Hash: "h", Size: 2}}
	if p := Make(tree(file("a", "h", 1)), "/d", held, Overwrite); p.Items[0].Action != Upload {
		t.Fatal("size mismatch not treated as a change")
	}
}

// A Dropbox document (Paper, Google Docs …) at a file's path is never
// overwritten: the file fails alone, or is kept with --if-exists skip,
// and it is not hashed (a document has no content hash to compare).
func TestDocumentNotOverwritten(t *testing.T) {
	held := map[string]remote.Entry{"/d/notes.paper": {Path: "/d/notes.paper", Export: true}}
	f := file("notes.paper", "h", 0)
	if got := NeedHash(tree(f), "/d", held); len(got) != 0 {
		t.Errorf("NeedHash %v: a document has nothing to compare a hash with", got)
	}
	for mode, want := range map[IfExists]Action{Overwrite: Conflict, Skip: Kept, Fail: Conflict} {
		it := Make(tree(f), "/d", held, mode).Items[0]
		if it.Action != want || !strings.HasPrefix(it.Reason, Document) {
			t.Errorf("--if-exists %s: %s (%q), want %s for the document", mode, it.Action, it.Reason, want)
		}
	}
}
