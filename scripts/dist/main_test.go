package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestExtraFiles checks that an archive carries the README, the LICENSE,
// the CHANGELOG, the docs (the generated reference included), the man pages
// and the shim.
func TestExtraFiles(t *testing.T) {
	man := filepath.Join(t.TempDir(), "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(man, "dropbox-post.1"), []byte(".TH x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join("..", ".."))
	fs, err := extraFiles(man)
	if err != nil {
		t.Fatal(err)
	}
	packed := map[string]bool{}
	for _, f := range fs {
		packed[f.name] = true
	}
	for _, want := range []string{"README.md", "LICENSE", "CHANGELOG.md", "docs/keyfile-format.md",
		"docs/reference/dropbox-post.md", "docs/reference/dropbox-post_push.md", "man/man1/dropbox-post.1", "dropbox-post.py"} {
		if !packed[want] {
			t.Errorf("the archives would not hold %s", want)
		}
	}
}

// TestArchivesReproducible packs the same files twice, from copies that
// differ in everything but their content (modification time, mode, the
// folder they are in): the archives must be the same bytes.
func TestArchivesReproducible(t *testing.T) {
	mtime := time.Date(2026, 12, 4, 22, 15, 47, 0, time.UTC)
	copyOf := func(stamp time.Time, perm os.FileMode) []file {
		dir := t.TempDir()
		var fs []file
		for _, f := range []struct{ name, text string }{
			{"dropbox-post", "\x7fELF binary"},
			{"README.md", "# dropbox-post\n"},
			{"docs/reference/a-name-long-enough-to-need-more-than-the-hundred-bytes-a-ustar-header-holds-for-it.md", "long\n"},
		} {
			src := filepath.Join(dir, filepath.Base(f.name))
			if err := os.WriteFile(src, []byte(f.text), perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(src, stamp, stamp); err != nil {
				t.Fatal(err)
			}
			fs = append(fs, file{src: src, name: f.name, mode: 0o644})
		}
		return fs
	}
	first := copyOf(time.Now(), 0o600)
	second := copyOf(time.Unix(0, 0), 0o644)
	for _, w := range []struct {
		ext   string
		write func(string, string, []file, time.Time) error
	}{{".tar.gz", writeTarGz}, {".zip", writeZip}} {
		var sums []string
		for _, fs := range [][]file{first, second} {
			path := filepath.Join(t.TempDir(), "a"+w.ext)
			if err := w.write(path, "dropbox-post_v1.2.0_linux_amd64", fs, mtime); err != nil {
				t.Fatal(err)
			}
			sum, err := sha256File(path)
			if err != nil {
				t.Fatal(err)
			}
			sums = append(sums, sum)
		}
		if sums[0] != sums[1] {
			t.Errorf("%s: two packings of the same files differ: %s, %s", w.ext, sums[0], sums[1])
		}
	}
}

// TestSourceTime: the archives are dated by SOURCE_DATE_EPOCH, else by the
// commit, never by the time of the build.
func TestSourceTime(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1733350547")
	if got, err := sourceTime(); err != nil || !got.Equal(time.Unix(1733350547, 0)) {
		t.Errorf("with SOURCE_DATE_EPOCH: %v, %v", got, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "soon")
	if _, err := sourceTime(); err == nil {
		t.Error("a SOURCE_DATE_EPOCH that is no number was taken")
	}
	// In a checkout: the time of the commit checked out.
	t.Setenv("SOURCE_DATE_EPOCH", "")
	t.Chdir(t.TempDir())
	commit := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "--allow-empty", "-m", "x"}} {
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE="+commit.Format(time.RFC3339), "GIT_AUTHOR_DATE="+commit.Format(time.RFC3339))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	if got, err := sourceTime(); err != nil || !got.Equal(commit) {
		t.Errorf("from the commit: %v, %v; want %v", got, err, commit)
	}
}
