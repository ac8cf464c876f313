package remote

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// ListParts lists dest's own entries and everything under the parts, side
// by side, and nothing under dest's other folders; a part that is a file,
// or nothing, lists nothing more. Its pages come one at a time, each
// entry once. It holds under every way the emulator spells paths: a
// part's own folder, which Dropbox may spell as it was asked for, is
// dest's entry.
func TestListParts(t *testing.T) {
	for _, display := range []string{"", emulator.DisplayRequest, emulator.DisplayLower, emulator.DisplayRandom} {
		t.Run("display "+display, func(t *testing.T) {
			old := listLimit
			listLimit = 2 // pages of two: each part's pages follow one another
			t.Cleanup(func() { listLimit = old })
			o := emulator.Options{Seed: 5}
			o.Names.Display = display
			srv, c := emutest.Start(t, o, emutest.FastPolicy)
			for _, p := range []string{"/D/top.txt", "/D/Exp/x.txt", "/D/Exp/sub/y.txt", "/D/Exp/sub/z.txt", "/D/b/w.txt", "/D/other/v.txt", "/D/other/deep/u.txt", "/D/f"} {
				emutest.Upload(t, c, p, []byte(p))
			}
			srv.ResetStats()
			var mu sync.Mutex
			busy := false
			var paged []string
			got, err := ListParts(context.Background(), c.Files, "/d", []string{"exp", "EXP", "b", "f", "missing"}, func(page []Entry) {
				mu.Lock()
				if busy {
					t.Error("page called while another call ran")
				}
				busy = true
				mu.Unlock()
				for _, e := range page {
					paged = append(paged, dpath.Key(e.Path))
				}
				mu.Lock()
				busy = false
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k, e := range got {
				if k != dpath.Key(e.Path) {
					t.Errorf("entry %q under key %q", e.Path, k)
				}
				keys = append(keys, k)
			}
			slices.Sort(keys)
			slices.Sort(paged)
			want := []string{"/d/b", "/d/b/w.txt", "/d/exp", "/d/exp/sub", "/d/exp/sub/y.txt", "/d/exp/sub/z.txt", "/d/exp/x.txt", "/d/f", "/d/other", "/d/top.txt"}
			if !slices.Equal(keys, want) {
				t.Errorf("listed %q\nwant %q", keys, want)
			}
			if !slices.Equal(paged, want) {
				t.Errorf("pages held %q\nwant each of %q once", paged, want)
			}
			if e := got["/d/exp"]; !e.Folder || (display == "" && e.Path != "/D/Exp") {
				t.Errorf("the part's own folder is %+v, want the folder as dest's listing shows it", e)
			}
			// dest's own entries, and the three folders named (exp once,
			// whatever its case; f is a file; missing is not there).
			if n := srv.Stats().Routes["files/list_folder"].Requests; n != 5 {
				t.Errorf("%d list_folder requests, want 5", n)
			}
		})
	}
}

// Where dest is missing, ListParts finds nothing; where it is a file, it
// says so, as List does.
func TestListPartsOfNoFolder(t *testing.T) {
	_, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	got, err := ListParts(context.Background(), c.Files, "/nothing", []string{"a"}, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("missing dest: %v %v", got, err)
	}
	emutest.Upload(t, c, "/file", []byte("x"))
	_, err = ListParts(context.Background(), c.Files, "/file", []string{"a"}, nil)
	if exit.CodeOf(err) != exit.Usage || !strings.Contains(err.Error(), "is a file on Dropbox") {
		t.Fatalf("dest a file: %v (code %d)", err, exit.CodeOf(err))
	}
}

// The parts together are bounded as one listing is: a server that lists
// more than maxEntries in all is refused, though no part alone lists that
// many.
func TestListPartsBoundedTogether(t *testing.T) {
	old := maxEntries
	maxEntries = 5
	t.Cleanup(func() { maxEntries = old })
	_, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	for _, p := range []string{"/d/a/1", "/d/a/2", "/d/b/1", "/d/b/2", "/d/c/1", "/d/c/2"} {
		if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg(p), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ListParts(context.Background(), c.Files, "/d", []string{"a", "b", "c"}, nil)
	if exit.CodeOf(err) != exit.Usage || !strings.Contains(err.Error(), "more than 5 entries") {
		t.Fatalf("err = %v (code %d), want the bound", err, exit.CodeOf(err))
	}
}
