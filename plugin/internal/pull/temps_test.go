package pull

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// TestPullRemovesEarlierTemporaries: the temporaries an interrupted pull
// left (in LOCAL and in its sub-folders) are removed before the next pull
// of the same destination writes; files that only look alike, a temporary
// another pull still holds locked, and folders are left alone; and the
// temporaries are named so that push leaves them out.
func TestPullRemovesEarlierTemporaries(t *testing.T) {
	_, c := start(t, emulator.Options{}, nil)
	emutest.Upload(t, c, "/shared/a.csv", []byte("a"))
	emutest.Upload(t, c, "/shared/sub/b.csv", []byte("b"))
	dir := t.TempDir()
	stale := []string{
		local.PullTemp("a.csv", "0123456789abcdef"),
		filepath.Join("sub", local.PullTemp("b.csv", "fedcba9876543210")),
		local.PullTemp("gone.csv", "00000000000000aa"), // a file no longer on Dropbox
	}
	kept := []string{
		".a.csv.tmp-123456",                        // atomicfile's pattern, not pull's
		".x.dropbox-post-pull-0123.tmp",            // too short a suffix
		"notes.dropbox-post-pull-0123456789abcdef", // not a temporary's form
		"mine.csv",
	}
	for _, rel := range append(append([]string{}, stale...), kept...) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("partial data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A temporary another pull is writing right now: locked, kept.
	busy := filepath.Join(dir, local.PullTemp("c.csv", "1111111111111111"))
	bf, err := os.OpenFile(busy, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	lockTemp(bf)
	for _, rel := range stale {
		if !local.IsPullTemp(filepath.Base(rel)) {
			t.Fatalf("%s is not recognised as a temporary", rel)
		}
	}
	// push leaves them out, and says so.
	scan, err := local.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	scan.Close()
	var skipped []string
	for _, n := range scan.Skipped {
		if strings.Contains(n.Reason, "interrupted dropbox-post pull") {
			skipped = append(skipped, filepath.FromSlash(n.Rel))
		}
	}
	if len(skipped) != len(stale)+1 {
		t.Errorf("push leaves out %v, want the %d temporaries", skipped, len(stale)+1)
	}

	if _, err := Run(context.Background(), c, Options{Remote: "/shared", Local: dir}); err != nil {
		t.Fatal(err)
	}
	for _, rel := range stale {
		if _, err := os.Lstat(filepath.Join(dir, rel)); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", rel, err)
		}
	}
	if runtime.GOOS != "windows" { // no flock there: see lock_other.go
		kept = append(kept, filepath.Base(busy))
	}
	for _, rel := range kept {
		if _, err := os.Lstat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("%s was removed: %v", rel, err)
		}
	}
	got := tree(t, dir)
	if got["a.csv"] != "a" || got["sub/b.csv"] != "b" {
		t.Errorf("pulled %v", got)
	}
}
