package resume

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

var mtime = time.Date(2026, 11, 30, 12, 0, 0, 123, time.UTC)

func TestBeginAckLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "uploads")
	s := Open(statedir.At(dir, 0o700))
	u, err := s.Begin("/Studies/A/model.bin", "/data/model.bin", 20<<20, mtime, "sid-1", 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	ds := blocks.Digests(make([]byte, 8<<20))
	if err := u.Ack(1, ds, false); err != nil {
		t.Fatal(err)
	}
	if err := u.Ack(2, ds[:1], true); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("want one state file, got %d", len(ents))
	}
	info, _ := ents[0].Info()
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}

	got := s.Load("/studies/a/MODEL.bin") // Dropbox paths ignore case
	if got == nil {
		t.Fatal("state not found")
	}
	if got.SessionID != "sid-1" || !got.Closed || !slices.Equal(got.Indexes(), []int64{1, 2}) {
		t.Errorf("loaded %+v", got)
	}
	if d, ok := got.Acked(1); !ok || !slices.Equal(d, ds) {
		t.Errorf("chunk 1 digests not kept")
	}
	if _, ok := got.Acked(0); ok {
		t.Errorf("chunk 0 was never acknowledged")
	}
	if why := got.Stale("/data/model.bin", 20<<20, mtime, 8<<20); why != "" {
		t.Errorf("unchanged file called stale: %s", why)
	}
	for _, c := range []struct {
		local string
		size  int64
		mtime time.Time
	}{
		{"/data/model.bin", 20<<20 + 1, mtime},
		{"/data/model.bin", 20 << 20, mtime.Add(time.Nanosecond)},
		{"/data/other.bin", 20 << 20, mtime},
	} {
		if got.Stale(c.local, c.size, c.mtime, 8<<20) == "" {
			t.Errorf("%+v: a changed file is not stale", c)
		}
	}
	s.Remove("/Studies/A/model.bin")
	if s.Load("/Studies/A/model.bin") != nil {
		t.Error("state still there after Remove")
	}
}

func TestOpenDropsStaleAndBroken(t *testing.T) {
	dir := t.TempDir()
	s := Open(statedir.At(dir, 0o700))
	now := time.Now()
	s.now = func() time.Time { return now.Add(-MaxAge - time.Minute) }
	if _, err := s.Begin("/old", "/l/old", 1, mtime, "sid-old", 8<<20); err != nil {
		t.Fatal(err)
	}
	s.now = time.Now
	if _, err := s.Begin("/new", "/l/new", 1, mtime, "sid-new", 8<<20); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, name("/broken"))
	os.WriteFile(broken, []byte("{not json"), 0o600)
	foreign := filepath.Join(dir, "notes.json") // not a name the store makes
	os.WriteFile(foreign, []byte("{}"), 0o600)

	s2 := Open(statedir.At(dir, 0o700))
	if s2.Load("/old") != nil {
		t.Error("a state older than 7 days was kept")
	}
	if s2.Load("/new") == nil {
		t.Error("a fresh state was dropped")
	}
	if _, err := os.Stat(broken); err == nil {
		t.Error("an unreadable state was kept")
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Error("a file the store did not make was removed")
	}
}
