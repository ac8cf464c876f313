package remote

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
			// dest's own entries and exp (once, whatever its case) and b;
			// f (a file) and missing (not there) perhaps, stopped once
			// dest's own entries show them as no folder.
			if n := srv.Stats().Routes["files/list_folder"].Requests; n < 3 || n > 5 {
				t.Errorf("%d list_folder requests, want 3 to 5", n)
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

// stalled is a client whose list_folder of anything but dest is never
// answered: it waits until its request is stopped, then says so on
// stopped.
type stalled struct {
	files.ContextClient
	dest    string
	stopped chan string
}

func (s *stalled) ListFolderContext(ctx context.Context, arg *files.ListFolderArg) (*files.ListFolderResult, error) {
	if arg.Path == s.dest {
		return s.ContextClient.ListFolderContext(ctx, arg)
	}
	<-ctx.Done()
	s.stopped <- arg.Path
	return nil, ctx.Err()
}

// within waits for c, or fails the test after a minute (the guard of a
// test that would otherwise hang).
func within[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s: not after a minute", what)
		panic("unreachable")
	}
}

// A part that dest's own entries do not show as a folder is stopped once
// they have come, and lists nothing: a push to a folder not yet on
// Dropbox waits for that one answer, not for its parts' (which may be
// retrying a failure). The parts that are folders are waited for.
func TestListPartsStopsWhatDestDoesNotHold(t *testing.T) {
	_, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	type result struct {
		got map[string]Entry
		err error
	}
	list := func(ctx context.Context, s *stalled, parts ...string) <-chan result {
		done := make(chan result, 1)
		go func() {
			got, err := ListParts(ctx, s, s.dest, parts, nil)
			done <- result{got, err}
		}()
		return done
	}
	r := within(t, list(context.Background(), &stalled{ContextClient: c.Files, dest: "/new", stopped: make(chan string, 2)}, "a", "b"), "dest not there")
	if r.err != nil || len(r.got) != 0 {
		t.Fatalf("dest not there: %v %v", r.got, r.err)
	}
	emutest.Upload(t, c, "/d/a/x.txt", []byte("x"))
	emutest.Upload(t, c, "/d/f", []byte("f"))
	s := &stalled{ContextClient: c.Files, dest: "/d", stopped: make(chan string, 3)}
	ctx, cancel := context.WithCancel(context.Background())
	done := list(ctx, s, "a", "f", "new")
	stopped := []string{within(t, s.stopped, "f or new stopped"), within(t, s.stopped, "f or new stopped")}
	if slices.Sort(stopped); !slices.Equal(stopped, []string{"/d/f", "/d/new"}) {
		t.Fatalf("stopped %q, want f and new", stopped)
	}
	select {
	case r := <-done:
		t.Fatalf("ListParts returned (%v) without the part that is a folder", r.err)
	default:
	}
	cancel()
	if r := within(t, done, "ListParts stopped from outside"); r.err == nil {
		t.Fatal("ListParts stopped from outside returned no error")
	}
}
