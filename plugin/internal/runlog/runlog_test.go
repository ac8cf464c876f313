package runlog

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestKeepsTheNewest(t *testing.T) {
	study := t.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var last *Log
	for i := 0; i < Keep+5; i++ {
		l, err := Open(study, start.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		l.Printf("run %d", i)
		l.Close()
		last = l
	}
	entries, err := os.ReadDir(filepath.Join(study, Dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != Keep {
		t.Fatalf("%d logs kept, want %d", len(entries), Keep)
	}
	if entries[0].Name() != "20260102T030410.000Z-"+itoa(os.Getpid())+".log" {
		t.Errorf("oldest kept is %s, want the 6th", entries[0].Name())
	}
	b, err := os.ReadFile(last.Path)
	if err != nil || string(b) != "run 24\n" {
		t.Errorf("last log = %q, %v", b, err)
	}
	fi, _ := os.Stat(last.Path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

// A .dropbox-post that leads out of the study (a study from a public
// repository may hold one) is refused: nothing is written or removed there.
func TestNoWritesOutsideTheStudy(t *testing.T) {
	top := t.TempDir()
	study, elsewhere := filepath.Join(top, "study"), filepath.Join(top, "elsewhere")
	for _, d := range []string{study, filepath.Join(elsewhere, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < Keep+3; i++ {
		os.WriteFile(filepath.Join(elsewhere, "logs", "0000-"+itoa(i)+".log"), []byte("keep me"), 0o644)
	}
	if err := os.Symlink(elsewhere, filepath.Join(study, ".dropbox-post")); err != nil {
		t.Fatal(err)
	}
	if l, err := Open(study, time.Now()); err == nil {
		l.Close()
		t.Fatalf("a log was opened at %s, through a link out of the study", l.Path)
	}
	entries, _ := os.ReadDir(filepath.Join(elsewhere, "logs"))
	if len(entries) != Keep+3 {
		t.Errorf("%d files left elsewhere, want %d", len(entries), Keep+3)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
