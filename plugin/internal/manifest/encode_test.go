package manifest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// TestEncodeToIsMarshalIndent: a manifest written a record at a time is
// the text json.MarshalIndent makes of it whole, and so is the file Write
// writes.
func TestEncodeToIsMarshalIndent(t *testing.T) {
	files := []report.File{
		{Local: "a.csv", Dropbox: "/d/a.csv", Size: 3, Hash: "ab12", Rev: "015f", Status: "uploaded"},
		{Local: "b <&> \u2028 é.txt", Dropbox: "/d/b <&> \u2028 é.txt", Status: "unchanged", Reason: "same content"},
		{Local: "c", Dropbox: "/d/c", Status: "failed", Error: "Dropbox refused the file: \"x\""},
	}
	for _, n := range []int{0, 1, 3} {
		m := &Manifest{Version: Version, Tool: "dropbox-post test", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Local: "/study/out", Dest: "/d", Kind: "folder", Filters: []filter.Spec{{From: "flags", Exclude: []string{"*.tmp"}, MaxSize: 9}}, Study: "/study", Element: 2, Link: "https://example.invalid/s", Files: files[:n]}
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, '\n')
		var got bytes.Buffer
		if err := encodeTo(&got, m); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%d files: encodeTo wrote\n%s\nwant\n%s", n, got.String(), want)
		}
		if size, _ := encodedSize(m); size != int64(len(want)) {
			t.Errorf("%d files: encodedSize %d, want %d", n, size, len(want))
		}
		dir := statedir.At(t.TempDir(), 0o700)
		path, err := Write(dir, m)
		if err != nil {
			t.Fatal(err)
		}
		data, err := statedir.ReadFileAt(path, 1<<20)
		if err != nil || !bytes.Equal(data, want) {
			t.Errorf("%d files: Write wrote %q (%v), want %q", n, data, err, want)
		}
	}
}
