package manifest

import (
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// TestRecordedWithinOneSecond: two manifests written in the same second
// (named "T-demo.json" and "T-demo-1.json") are told apart by the start
// time they hold, not by their names, so that whether a run counts as
// recorded does not depend on how fast the machine is.
func TestRecordedWithinOneSecond(t *testing.T) {
	dir := t.TempDir()
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
