package local

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// chain makes levels nested folders "d" in top, each holding a file "f"
// when every is > 0 and its level is a multiple of every. Each folder is
// made from its parent, held open: the path of a deep one is longer than
// the system takes.
func chain(t *testing.T, top string, levels, every int) {
	t.Helper()
	r, err := os.OpenRoot(top)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= levels; i++ {
		if err := r.Mkdir("d", 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := r.OpenRoot("d")
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		r = next
		if every > 0 && i%every == 0 {
			if err := r.WriteFile("f", []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.Close()
}

// TestScanCostIsLinearInDepth: a tree MaxDepth folders deep, with a file
// every 100 levels, is scanned with a few look-ups per entry (counted in
// names resolved, so that reaching entries by their path from the top,
// which costs one name per level, would show), and its deepest file reads.
func TestScanCostIsLinearInDepth(t *testing.T) {
	top := t.TempDir()
	chain(t, top, MaxDepth, 100)
	tree, err := Scan(top)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	files := MaxDepth / 100
	if len(tree.Files) != files || len(tree.EmptyDirs) != 0 {
		t.Fatalf("%d files, %d empty folders; want %d and none", len(tree.Files), len(tree.EmptyDirs), files)
	}
	entries := MaxDepth + files
	if tree.steps > 3*entries {
		t.Errorf("the scan resolved %d names for %d entries: more than 3 a entry", tree.steps, entries)
	}
	deepest := tree.Files[0] // "d/d/…/d/f" sorts first
	if got := strings.Count(deepest.Rel, "/"); got != MaxDepth {
		t.Fatalf("deepest file %d levels down, want %d", got, MaxDepth)
	}
	r, err := deepest.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != "x" {
		t.Fatalf("deepest file: %q, %v", b, err)
	}
}

// TestScanStopsBelowMaxDepth: a tree 3,000 folders deep is refused, as soon
// as the scan reaches the level below MaxDepth, with exit.Local and a
// message naming the limit and what to do.
func TestScanStopsBelowMaxDepth(t *testing.T) {
	top := t.TempDir()
	chain(t, top, 3000, 0)
	tree, err := Scan(top)
	if err == nil {
		tree.Close()
		t.Fatal("a tree 3,000 folders deep was scanned")
	}
	var ee *exit.Error
	if !errors.As(err, &ee) || ee.Code != exit.Local {
		t.Fatalf("error %v (%T), want an *exit.Error with code Local", err, err)
	}
	for _, want := range []string{`"d/d/d/…/d"`, "more than 1000 folders deep", "post a folder further down"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Posting a folder further down, with fewer levels below it: posted.
	sub := top + strings.Repeat("/d", 2001)
	tree, err = ScanWith(sub, Options{Study: top})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.EmptyDirs) != 1 || strings.Count(tree.EmptyDirs[0], "/") != 3000-2001-1 {
		t.Errorf("empty folders below level 2001: %d, want the one 999 levels down", len(tree.EmptyDirs))
	}
}
