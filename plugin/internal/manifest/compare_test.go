package manifest

import (
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// TestRecordedComparesRecords: an earlier manifest records a push when it
// holds the same files (in any order) with the same hashes and revisions,
// and the same shared link; not when one differs, one is missing or more,
// or a file of the push failed.
func TestRecordedComparesRecords(t *testing.T) {
	files := func() []report.File {
		return []report.File{
			{Local: "a", Dropbox: "/d/a", Hash: "h1", Rev: "r1", Status: "uploaded"},
			{Local: "b", Dropbox: "/d/b", Hash: "h2", Rev: "r2", Status: "uploaded"},
			{Local: "c", Dropbox: "/d/c", Hash: "h3", Rev: "r3", Status: "uploaded"},
		}
	}
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		name   string
		change func(m *Manifest)
		want   bool
	}{
		{"the same", func(m *Manifest) {}, true},
		{"another order, another status", func(m *Manifest) {
			m.Files[0], m.Files[2] = m.Files[2], m.Files[0]
			m.Files[1].Status = "unchanged"
		}, true},
		{"a revision changed", func(m *Manifest) { m.Files[1].Rev = "r9" }, false},
		{"a hash changed", func(m *Manifest) { m.Files[2].Hash = "h9" }, false},
		{"a file more", func(m *Manifest) { m.Files = append(m.Files, report.File{Local: "e", Dropbox: "/d/e"}) }, false},
		{"a file less", func(m *Manifest) { m.Files = m.Files[:2] }, false},
		{"a file failed", func(m *Manifest) { m.Files[0].Status = "failed" }, false},
		{"another link", func(m *Manifest) { m.Link = "https://example.invalid/other" }, false},
	} {
		dir := statedir.At(t.TempDir(), 0o700)
		old := &Manifest{Version: Version, Started: started, Local: "/s", Dest: "/d", Files: files()}
		if _, err := Write(dir, old); err != nil {
			t.Fatal(err)
		}
		now := &Manifest{Version: Version, Started: started.Add(time.Hour), Local: "/s", Dest: "/d", Files: files()}
		c.change(now)
		if got := Recorded(dir, now); got != c.want {
			t.Errorf("%s: Recorded %v, want %v", c.name, got, c.want)
		}
	}
}
