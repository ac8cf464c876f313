package runlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

func TestKeepsTheNewest(t *testing.T) {
	study := t.TempDir()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var last *Log
	for i := 0; i < Keep+5; i++ {
		l, err := Open(statedir.At(filepath.Join(study, Dir), 0o700), start.Add(time.Duration(i)*time.Second))
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

// A .dropbox-post that leads out of the study, or a logs that leads to
// another folder (a study from a public repository may hold either), is
// not used: nothing is written or removed there, and the logs go to the
// user's own data folder.
func TestNoWritesThroughALink(t *testing.T) {
	for _, link := range []string{".dropbox-post", filepath.Join(".dropbox-post", "logs")} {
		t.Run(link, func(t *testing.T) {
			top := t.TempDir()
			study, elsewhere, home := filepath.Join(top, "study"), filepath.Join(top, "elsewhere"), filepath.Join(top, "home")
			for _, d := range []string{filepath.Dir(filepath.Join(study, link)), filepath.Join(elsewhere, "logs")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			target := elsewhere
			if link != ".dropbox-post" {
				target = filepath.Join(elsewhere, "logs")
			}
			for i := 0; i < Keep+3; i++ { // named as Open names logs
				os.WriteFile(filepath.Join(elsewhere, "logs", fmt.Sprintf("20200101T000000.000Z-%d.log", i)), []byte("keep me"), 0o644)
			}
			if err := os.Symlink(target, filepath.Join(study, link)); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
			dir, moved, err := statedir.InStudy(study, statedir.Logs, getenv)
			if err != nil || moved == "" {
				t.Fatalf("the link is used: moved %q, %v", moved, err)
			}
			l, err := Open(dir, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			l.Close()
			if !strings.HasPrefix(l.Path, home) {
				t.Errorf("the log is at %s, not in the user's data folder", l.Path)
			}
			entries, _ := os.ReadDir(filepath.Join(elsewhere, "logs"))
			if len(entries) != Keep+3 {
				t.Errorf("%d files left elsewhere, want %d", len(entries), Keep+3)
			}
		})
	}
}

// Only the logs Open named are pruned: other files, and links, are left.
func TestPrunesOnlyItsOwn(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"notes.log", "20200101T000000.000Z-1.log.bak", "20200101T000000Z-1.log"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	outside := filepath.Join(t.TempDir(), "x.log")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "20000101T000000.000Z-1.log"))
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < Keep+2; i++ {
		l, err := Open(statedir.At(dir, 0o700), start.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	for _, n := range append(keep, "20000101T000000.000Z-1.log") {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Error("the file a link pointed to was removed")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
