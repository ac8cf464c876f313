package emulator

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// listAll lists path recursively with a page limit and returns the
// path_display of every entry ("deleted:" in front of deletions), the
// number of pages and the last cursor.
func listAll(t *testing.T, c files.Client, path string, recursive bool, limit uint32) ([]string, int, string) {
	t.Helper()
	arg := files.NewListFolderArg(path)
	arg.Recursive = recursive
	arg.Limit = limit
	res, err := c.ListFolder(arg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	pages := 0
	for {
		pages++
		if limit > 0 && len(res.Entries) > int(limit) {
			t.Fatalf("page of %d entries, limit %d", len(res.Entries), limit)
		}
		out = append(out, entryNames(res.Entries)...)
		if !res.HasMore {
			return out, pages, res.Cursor
		}
		if res, err = c.ListFolderContinue(files.NewListFolderContinueArg(res.Cursor)); err != nil {
			t.Fatal(err)
		}
	}
}

func entryNames(entries []files.IsMetadata) []string {
	var out []string
	for _, e := range entries {
		switch m := e.(type) {
		case *files.FileMetadata:
			out = append(out, m.PathDisplay)
		case *files.FolderMetadata:
			out = append(out, m.PathDisplay+"/")
		case *files.DeletedMetadata:
			out = append(out, "deleted:"+m.PathDisplay)
		}
	}
	return out
}

func TestListFolderPaginatesRecursively(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	var want []string
	for i := 0; i < 23; i++ {
		p := fmt.Sprintf("/Study/exp%d/run%02d.csv", i%3, i)
		upload(t, c, p, []byte(p))
		want = append(want, p)
	}
	upload(t, c, "/elsewhere.txt", []byte("x"))
	want = append(want, "/Study/", "/Study/exp0/", "/Study/exp1/", "/Study/exp2/")
	sort.Strings(want)

	got, pages, _ := listAll(t, c, "/study", true, 5)
	if pages != 6 {
		t.Errorf("%d pages for 27 entries with limit 5", pages)
	}
	// Each folder comes before what is in it.
	seen := map[string]bool{}
	for _, p := range got {
		if parent := store.Parent(strings.TrimSuffix(p, "/")); parent != "" && !seen[parent+"/"] {
			t.Errorf("%s listed before its folder", p)
		}
		seen[p] = true
	}
	sort.Strings(got)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listing\n got %v\nwant %v", got, want)
	}

	top, _, _ := listAll(t, c, "", false, 0)
	sort.Strings(top)
	if fmt.Sprint(top) != "[/Study/ /elsewhere.txt]" {
		t.Errorf("root listing %v", top)
	}
}

func TestListFolderContinueReportsChanges(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	upload(t, c, "/d/a.txt", []byte("a"))
	upload(t, c, "/d/sub/b.txt", []byte("b"))
	_, _, cur := listAll(t, c, "/d", true, 0)

	upload(t, c, "/d/c.txt", []byte("c"))
	if _, err := c.DeleteV2(files.NewDeleteArg("/d/sub")); err != nil {
		t.Fatal(err)
	}
	upload(t, c, "/other.txt", []byte("o"))
	res, err := c.ListFolderContinue(files.NewListFolderContinueArg(cur))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(entryNames(res.Entries)); got != "[/d/c.txt deleted:/d/sub]" {
		t.Errorf("changes since the cursor: %s", got)
	}
	res, err = c.ListFolderContinue(files.NewListFolderContinueArg(res.Cursor))
	if err != nil || len(res.Entries) != 0 || res.HasMore {
		t.Errorf("no changes: %v %v", res, err)
	}
}

func TestListFolderErrors(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	upload(t, c, "/f.txt", []byte("f"))
	for path, tag := range map[string]string{"/missing": "not_found", "/f.txt": "not_folder"} {
		_, err := c.ListFolder(files.NewListFolderArg(path))
		e, ok := as[files.ListFolderAPIError](err)
		if !ok || e.EndpointError.Tag != "path" || e.EndpointError.Path.Tag != tag {
			t.Errorf("%s: %T %v, want path/%s", path, err, err, tag)
		}
	}
	if _, err := c.ListFolder(files.NewListFolderArg("/")); err == nil {
		t.Error(`listing "/" should be refused (the root is "")`)
	}
	_, err := c.ListFolderContinue(files.NewListFolderContinueArg("garbage"))
	if _, ok := as[auth.BadRequest](err); !ok {
		t.Errorf("garbage cursor: %T %v", err, err)
	}
	// A cursor from another run of the emulator must be reset.
	_, otherBase := start(t, Options{})
	_, _, cur := listAll(t, filesClient(otherBase), "", true, 0)
	_, err = c.ListFolderContinue(files.NewListFolderContinueArg(cur))
	if e, ok := as[files.ListFolderContinueAPIError](err); !ok || e.EndpointError.Tag != "reset" {
		t.Errorf("foreign cursor: %T %v", err, err)
	}
}
