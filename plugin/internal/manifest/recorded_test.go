package manifest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// TestRecordedWithinOneSecond: two manifests written in the same second
// (named "T-demo.json" and "T-demo-1.json") are told apart by the start
// time they hold, not by their names, so that whether a run counts as
// recorded does not depend on how fast the machine is.
func TestRecordedWithinOneSecond(t *testing.T) {
	dir := statedir.At(t.TempDir(), 0o755)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 100, time.UTC)
	old := &Manifest{Started: t0, Local: "/s/post", Dest: "/demo", Files: []report.File{{Local: "a.csv", Dropbox: "/demo/a.csv", Hash: "h1", Rev: "r1", Status: "uploaded"}}}
	cur := &Manifest{Started: t0.Add(time.Millisecond), Local: "/s/post", Dest: "/demo", Files: []report.File{{Local: "a.csv", Dropbox: "/demo/a.csv", Hash: "h2", Rev: "r2", Status: "uploaded"}}}
	for _, m := range []*Manifest{old, cur} {
		if _, err := Write(dir, m); err != nil {
			t.Fatal(err)
		}
	}
	now := *cur
	now.Files = []report.File{{Local: "a.csv", Dropbox: "/demo/a.csv", Hash: "h2", Rev: "r2", Status: "unchanged"}}
	if !Recorded(dir, &now) {
		t.Error("the state the newest manifest holds is not seen as recorded")
	}
	back := *old
	back.Files = []report.File{{Local: "a.csv", Dropbox: "/demo/a.csv", Hash: "h1", Rev: "r1", Status: "unchanged"}}
	if Recorded(dir, &back) {
		t.Error("the state of an older manifest is seen as recorded")
	}
}

// Recorded reads only regular files named as WriteManifest names them, no
// larger than a manifest of the push's files could be: a link (to
// /dev/zero, say), a named pipe, or a huge file in the newest one's place
// is not read, and is not a record.
func TestRecordedReadsOnlyItsOwn(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &Manifest{Started: t0, Local: "/s/post", Dest: "/demo", Files: []report.File{{Local: "a.csv", Dropbox: "/demo/a.csv", Hash: "h1", Rev: "r1", Status: "uploaded"}}}
	newer := "20990101T000000Z-demo.json"
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, path string)
	}{
		{"a link", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "m.json")
			os.WriteFile(target, []byte("{}"), 0o644)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"a huge file", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(MaxSize / 2); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}},
		{"a folder", func(t *testing.T, path string) { os.Mkdir(path, 0o755) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir()
			dir := statedir.At(path, 0o755)
			if _, err := Write(dir, m); err != nil {
				t.Fatal(err)
			}
			if !Recorded(dir, m) {
				t.Fatal("the manifest just written is not a record")
			}
			tc.plant(t, filepath.Join(path, newer))
			if Recorded(dir, m) {
				t.Errorf("%s in the newest manifest's place counts as a record", tc.name)
			}
			// Files not named as manifests are not looked at.
			os.WriteFile(filepath.Join(path, "notes.json"), []byte("x"), 0o644)
			os.Remove(filepath.Join(path, newer))
			if !Recorded(dir, m) {
				t.Error("a file not named as a manifest hides the record")
			}
		})
	}
}
