package push

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// holdPhase is a progress output that, when a phase line holding phase is
// written, waits until release is closed (or a minute, the guard of a
// test that would otherwise hang), and records whether it was.
type holdPhase struct {
	phase    []byte
	release  <-chan struct{}
	mu       sync.Mutex
	held     int
	released int
}

func (h *holdPhase) Write(b []byte) (int, error) {
	if bytes.Contains(b, h.phase) {
		ok := false
		select {
		case <-h.release:
			ok = true
		case <-time.After(time.Minute):
		}
		h.mu.Lock()
		h.held++
		if ok {
			h.released++
		}
		h.mu.Unlock()
	}
	return len(b), nil
}

// runHeld pushes root to /s, its scan held at its first line until
// release is closed.
func runHeld(t *testing.T, c *dbx.Client, root string, release <-chan struct{}) (*report.Summary, *holdPhase) {
	t.Helper()
	out := &holdPhase{phase: []byte("scanning"), release: release}
	meter := progress.New(out, progress.Options{Manual: true})
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/s", Progress: meter})
	meter.Close()
	if err != nil {
		t.Fatal(err)
	}
	return sum, out
}

// Dropbox is listed while the local folder is scanned: the scan (held at
// its first line until list_folder has reached Dropbox) does not come
// first. The pages that arrive before the scan ends are used all the
// same: the re-run finds every file unchanged.
func TestListedWhileScanning(t *testing.T) {
	var mu sync.Mutex
	var listed chan struct{}
	_, c := startEmulator(t, emulator.Options{Hook: func(e emulator.Event) {
		if e.Route == "files/list_folder" && e.Phase == emulator.AfterWork {
			mu.Lock()
			defer mu.Unlock()
			if listed != nil {
				close(listed)
				listed = nil
			}
		}
	}})
	root := study(t, sized(30, 100, 0))
	for run := range 2 {
		release := make(chan struct{})
		mu.Lock()
		listed = release
		mu.Unlock()
		sum, out := runHeld(t, c, root, release)
		if out.held != 1 || out.released != 1 {
			t.Fatalf("run %d: the scan began %d time(s), %d of them while Dropbox was listed; want once, while listed", run+1, out.held, out.released)
		}
		if want := []int{30, 0}[run]; sum.Uploaded != want || sum.Unchanged != 30-want {
			t.Errorf("run %d: %d uploaded, %d unchanged; want %d uploaded", run+1, sum.Uploaded, sum.Unchanged, want)
		}
	}
}

// A listing of parts covers a tree whose every file and folder lies in
// one of them, or directly in the folder; the scan may find a folder the
// hint did not (made between the two), and then it does not.
func TestListingCovers(t *testing.T) {
	files := func(rels ...string) []*local.File {
		var out []*local.File
		for _, r := range rels {
			out = append(out, &local.File{Rel: r})
		}
		return out
	}
	parts := &listing{parts: []string{"Exp", "post"}}
	for _, c := range []struct {
		name  string
		l     *listing
		tree  *local.Tree
		wants bool
	}{
		{"whole listing", &listing{}, &local.Tree{Files: files("new/a.txt")}, true},
		{"in the parts", parts, &local.Tree{Files: files("exp/a.txt", "post/b/c.txt", "top.txt"), EmptyDirs: []string{"empty", "post/d"}}, true},
		{"a file in a new folder", parts, &local.Tree{Files: files("exp/a.txt", "new/a.txt")}, false},
		{"an empty folder in a new folder", parts, &local.Tree{Files: files("exp/a.txt"), EmptyDirs: []string{"new/d"}}, false},
		{"no parts, files at the top", &listing{parts: []string{}}, &local.Tree{Files: files("a.txt"), EmptyDirs: []string{"e"}}, true},
	} {
		if got := c.l.covers(c.tree); got != c.wants {
			t.Errorf("%s: covers = %v", c.name, got)
		}
	}
}

// The folder's own sub-folders are the parts listed; more than
// remote.MaxParts, and the whole folder is listed.
func TestSubFolders(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a", "b/c"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "f.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := subFolders(root); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"a", "b"}) {
		t.Errorf("sub-folders %q", got)
	}
	for i := range remote.MaxParts {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("x%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got := subFolders(root); got != nil {
		t.Errorf("%d sub-folders listed as parts: %q", remote.MaxParts+2, got)
	}
}

// A sub-folder made between the look at the folder and its scan was not
// among the parts listed: the whole destination is listed after all, and
// what Dropbox holds in that folder is found (unchanged, not sent again).
func TestListingAFolderMadeMeanwhile(t *testing.T) {
	var mu sync.Mutex
	var made func()
	srv, c := startEmulator(t, emulator.Options{Hook: func(e emulator.Event) {
		if e.Route == "files/list_folder" && e.Phase == emulator.BeforeWork {
			mu.Lock()
			defer mu.Unlock()
			if made != nil {
				made()
				made = nil
			}
		}
	}})
	files := map[string][]byte{"exp/a.txt": []byte("a"), "new/x.txt": []byte("x")}
	for rel, data := range files {
		emutest.Upload(t, c, "/s/"+rel, data)
	}
	root := study(t, map[string][]byte{"exp/a.txt": files["exp/a.txt"]})
	release := make(chan struct{})
	mu.Lock()
	made = func() {
		if err := os.Mkdir(filepath.Join(root, "new"), 0o755); err != nil {
			t.Error(err)
		}
		if err := os.WriteFile(filepath.Join(root, "new/x.txt"), files["new/x.txt"], 0o644); err != nil {
			t.Error(err)
		}
		close(release)
	}
	mu.Unlock()
	srv.ResetStats()
	sum, out := runHeld(t, c, root, release)
	if out.released != 1 {
		t.Fatalf("the scan began before the folder was made")
	}
	if sum.Uploaded != 0 || sum.Unchanged != 2 {
		t.Errorf("%d uploaded, %d unchanged; want both files unchanged", sum.Uploaded, sum.Unchanged)
	}
	// dest's own entries and exp, side by side; then the whole of dest.
	if _, routes := requests(srv); routes["files/list_folder"] != 3 {
		t.Errorf("requests %v, want 3 list_folder", routes)
	}
}

// A tree's parts are the top-level folders of its files and folders;
// more than remote.MaxParts, and none.
func TestTreeParts(t *testing.T) {
	tree := &local.Tree{Files: []*local.File{{Rel: "a/x"}, {Rel: "a/y"}, {Rel: "b/c/y"}, {Rel: "top"}}, EmptyDirs: []string{"e/f", "g"}}
	if got := treeParts(tree); !slices.Equal(got, []string{"a", "b", "e"}) {
		t.Errorf("parts %q", got)
	}
	for i := range remote.MaxParts {
		tree.Files = append(tree.Files, &local.File{Rel: fmt.Sprintf("x%d/f", i)})
	}
	if got := treeParts(tree); got != nil {
		t.Errorf("%d top-level folders listed as parts: %q", remote.MaxParts+3, got)
	}
}
