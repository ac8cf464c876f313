//go:build unix

package local

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/filter"
)

func link(t *testing.T, target, at string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, at); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, f *File) string {
	t.Helper()
	r, err := f.Open()
	if err != nil {
		t.Fatalf("%s: %v", f.Rel, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func skipped(tree *Tree) map[string]string {
	m := map[string]string{}
	for _, n := range tree.Skipped {
		m[n.Rel] = n.Reason
	}
	return m
}

func byRel(tree *Tree) map[string]*File {
	m := map[string]*File{}
	for _, f := range tree.Files {
		m[f.Rel] = f
	}
	return m
}

// TestLinksInsideTheStudyAreFollowed: in a posted folder, links to a file
// beside them, to a folder, to a place elsewhere in the study (relative and
// absolute), and a link to a link are followed, each posted under its own
// name with what it leads to; links leading out of the study, broken ones,
// one to a named pipe and one into .dropbox-post are left out, each saying
// why (the one out naming DROPBOX_POST_ALLOW_OUTSIDE).
func TestLinksInsideTheStudyAreFollowed(t *testing.T) {
	base := t.TempDir()
	study := filepath.Join(base, "study")
	post := filepath.Join(study, "post")
	write(t, post, "plot-20261204.png", []byte("png of the 4th"))
	link(t, "plot-20261204.png", filepath.Join(post, "latest.png"))
	link(t, "latest.png", filepath.Join(post, "newest.png"))
	write(t, post, "runs/r42/fold-1.csv", []byte("r42"))
	link(t, "runs/r42", filepath.Join(post, "latest-run"))
	write(t, study, "exp00000/result.csv", []byte("exp"))
	link(t, "../exp00000", filepath.Join(post, "exp"))
	link(t, filepath.Join(study, "exp00000", "result.csv"), filepath.Join(post, "abs.csv"))
	write(t, base, "home/.ssh/id_ed25519", []byte("SECRET"))
	link(t, filepath.Join(base, "home"), filepath.Join(post, "home"))
	link(t, "../../home/.ssh/id_ed25519", filepath.Join(post, "key"))
	link(t, "nowhere.csv", filepath.Join(post, "broken.csv"))
	if err := syscall.Mkfifo(filepath.Join(study, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	link(t, "../fifo", filepath.Join(post, "pipe"))
	write(t, study, ".dropbox-post/manifests/m.json", []byte("{}"))
	link(t, "../.dropbox-post/manifests", filepath.Join(post, "state"))

	tree, err := ScanWith(post, Options{Study: study})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	want := map[string]string{
		"abs.csv":               "exp",
		"exp/result.csv":        "exp",
		"latest-run/fold-1.csv": "r42",
		"latest.png":            "png of the 4th",
		"newest.png":            "png of the 4th",
		"plot-20261204.png":     "png of the 4th",
		"runs/r42/fold-1.csv":   "r42",
	}
	got := map[string]string{}
	for _, f := range tree.Files {
		got[f.Rel] = read(t, f)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %v\nwant %v", got, want)
	}
	notes := skipped(tree)
	for rel, why := range map[string]string{
		"home":       `outside the study "` + study + `": links are followed only inside it; to post what this one leads to, add a folder holding it to DROPBOX_POST_ALLOW_OUTSIDE`,
		"key":        "outside the study",
		"broken.csv": `symbolic link to "nowhere.csv", which does not exist`,
		"pipe":       "a named pipe (FIFO): only regular files and folders are posted",
		"state":      "inside dropbox-post's own .dropbox-post folder, which is never posted",
	} {
		if !strings.Contains(notes[rel], why) {
			t.Errorf("%s: note %q, want one saying %q", rel, notes[rel], why)
		}
	}
	if len(notes) != 5 {
		t.Errorf("left out %v, want 5", notes)
	}
}

// TestAllowedFoldersOutsideTheStudy: a link to results on scratch storage
// is followed once the person allows that folder, and only into it.
func TestAllowedFoldersOutsideTheStudy(t *testing.T) {
	base := t.TempDir()
	study := filepath.Join(base, "study")
	scratch := filepath.Join(base, "scratch", "me")
	write(t, scratch, "run-7/result.csv", []byte("on scratch"))
	write(t, base, "scratch/other/secret.txt", []byte("SECRET"))
	link(t, filepath.Join(scratch, "run-7"), filepath.Join(study, "post", "results"))
	link(t, "../../scratch/other", filepath.Join(study, "post", "other"))

	tree, err := ScanWith(filepath.Join(study, "post"), Options{Study: study, Allowed: []string{scratch}})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	files := byRel(tree)
	if len(files) != 1 || files["results/result.csv"] == nil || read(t, files["results/result.csv"]) != "on scratch" {
		t.Fatalf("files %v", rels(tree.Files))
	}
	if why := skipped(tree)["other"]; !strings.Contains(why, "outside the study") {
		t.Errorf("other: %q", why)
	}

	// A config's path in the allowed folder (run): reached from that folder,
	// and a link there back into the study is followed; one excluded by
	// name is not even followed.
	write(t, study, "exp00000/result.csv", []byte("in the study"))
	link(t, filepath.Join(study, "exp00000"), filepath.Join(scratch, "run-7", "exp"))
	link(t, "../../other", filepath.Join(scratch, "run-7", "other.bin"))
	f, err := filter.New(filter.Spec{Exclude: []string{"*.bin"}})
	if err != nil {
		t.Fatal(err)
	}
	tree, err = ScanWith(filepath.Join(scratch, "run-7"), Options{Study: study, Allowed: []string{scratch}, Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	files = byRel(tree)
	if len(files) != 2 || files["exp/result.csv"] == nil || read(t, files["exp/result.csv"]) != "in the study" || len(tree.Skipped) != 0 || tree.Filtered != 1 {
		t.Fatalf("files %v, left out %v, %d filtered", rels(tree.Files), tree.Skipped, tree.Filtered)
	}
}

// TestLinkLoopsAndRepeats: links to a folder they are in are left out as
// loops; a folder reached through several links is walked once; a tree of
// links that would double at every level (2^30 paths) costs a few
// look-ups per folder.
func TestLinkLoopsAndRepeats(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/b/x.csv", []byte("x"))
	link(t, "..", filepath.Join(root, "a", "b", "up"))
	link(t, ".", filepath.Join(root, "a", "self"))
	link(t, root, filepath.Join(root, "a", "top"))
	link(t, "a", filepath.Join(root, "again"))
	link(t, "a", filepath.Join(root, "once-more"))
	tree, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if got, want := rels(tree.Files), []string{"a/b/x.csv", "again/b/x.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	notes := skipped(tree)
	for rel, why := range map[string]string{
		"a/b/up":     "a folder it is in (a loop)",
		"a/self":     "a loop",
		"a/top":      "a loop",
		"again/b/up": "a loop",
		"once-more":  `a folder posted already through the link "again"`,
	} {
		if !strings.Contains(notes[rel], why) {
			t.Errorf("%s: note %q, want one saying %q", rel, notes[rel], why)
		}
	}

	bomb := t.TempDir()
	const levels = 30
	for i := 0; i < levels; i++ {
		d := filepath.Join(bomb, "d"+string(rune('a'+i%26))+string(rune('0'+i/26)))
		next := "../d" + string(rune('a'+(i+1)%26)) + string(rune('0'+(i+1)/26))
		link(t, next, filepath.Join(d, "x"))
		link(t, next, filepath.Join(d, "y"))
	}
	write(t, bomb, "d"+string(rune('a'+levels%26))+string(rune('0'+levels/26))+"/f.csv", []byte("f"))
	tree, err = Scan(bomb)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.Files) > 2*levels || tree.steps > 100*levels*levels {
		t.Errorf("%d files, %d names looked up for %d folders", len(tree.Files), tree.steps, levels+1)
	}
}

// TestFilesThroughLinksStayInTheirFolder: a folder reached through a link,
// swapped after the scan for a link out of the study, is not read through.
func TestFilesThroughLinksStayInTheirFolder(t *testing.T) {
	base := t.TempDir()
	study := filepath.Join(base, "study")
	write(t, study, "runs/r42/a.csv", []byte("inside"))
	write(t, base, "outside/a.csv", []byte("SECRET"))
	link(t, "../runs/r42", filepath.Join(study, "post", "latest"))
	tree, err := ScanWith(filepath.Join(study, "post"), Options{Study: study})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.Files) != 1 {
		t.Fatalf("files %v", rels(tree.Files))
	}
	r42 := filepath.Join(study, "runs", "r42")
	if err := os.Rename(r42, r42+".real"); err != nil {
		t.Fatal(err)
	}
	link(t, filepath.Join(base, "outside"), r42)
	if r, err := tree.Files[0].Open(); err == nil {
		b, _ := io.ReadAll(r)
		r.Close()
		t.Errorf("read %q through a folder swapped for a link out of the study", b)
	}
}

// TestScanOfALink: the path scanned without a study (push LOCAL) may itself
// be a link: a file is posted under the link's name, a folder's contents
// as they are; with a study, Name gives the name.
func TestScanOfALink(t *testing.T) {
	base := t.TempDir()
	write(t, base, "plot-20261204.png", []byte("png"))
	link(t, "plot-20261204.png", filepath.Join(base, "latest.png"))
	write(t, base, "run/a.csv", []byte("a"))
	link(t, "run", filepath.Join(base, "latest"))

	tree, err := Scan(filepath.Join(base, "latest.png"))
	if err != nil {
		t.Fatal(err)
	}
	if tree.IsDir || len(tree.Files) != 1 || tree.Files[0].Rel != "latest.png" || read(t, tree.Files[0]) != "png" {
		t.Fatalf("a file through a link: %v", rels(tree.Files))
	}
	tree.Close()
	tree, err = Scan(filepath.Join(base, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if !tree.IsDir || !reflect.DeepEqual(rels(tree.Files), []string{"a.csv"}) {
		t.Fatalf("a folder through a link: %v", rels(tree.Files))
	}
	tree.Close()
	tree, err = ScanWith(filepath.Join(base, "plot-20261204.png"), Options{Study: base, Name: "latest.png"})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.Files) != 1 || tree.Files[0].Rel != "latest.png" || read(t, tree.Files[0]) != "png" {
		t.Fatalf("with a study and a name: %v", rels(tree.Files))
	}
}

func TestParseAllowed(t *testing.T) {
	got, err := ParseAllowed("/scratch/me::/data/x/")
	if err != nil || !reflect.DeepEqual(got, []string{"/scratch/me", "/data/x"}) {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := ParseAllowed("/scratch/me:results"); err == nil || !strings.Contains(err.Error(), `DROPBOX_POST_ALLOW_OUTSIDE holds "results", which is not an absolute path`) {
		t.Errorf("a relative folder: %v", err)
	}
}
