package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

func start(t *testing.T) (*emulator.Server, *dbx.Client) {
	t.Helper()
	srv := emutest.Serve(t, emulator.Options{Tokens: []string{"test-token"}})
	return srv, emutest.Client(t, srv.URL(), dbx.Token{AccessToken: "test-token"}, dbx.DefaultPolicy)
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func paths(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return strings.Join(out, ",")
}

func TestCompare(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"same.csv":        "1,2,3\n",
		"sub/deep.txt":    "deep",
		"changed.txt":     "local version",
		"resized.txt":     "short",
		"local-only.txt":  "new",
		"sub/folder-here": "a file here, a folder on Dropbox",
	})
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "elsewhere.csv") // a link out of LOCAL is left out
	if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	emutest.Upload(t, c, "/dest/same.csv", []byte("1,2,3\n"))
	emutest.Upload(t, c, "/Dest/SUB/deep.txt", []byte("deep")) // case differs: the same path to Dropbox
	emutest.Upload(t, c, "/dest/changed.txt", []byte("other version"))
	emutest.Upload(t, c, "/dest/resized.txt", []byte("a longer text"))
	emutest.Upload(t, c, "/dest/dropbox-only.txt", []byte("old"))
	emutest.Upload(t, c, "/dest/sub/folder-here/x", []byte("x"))

	res, err := Compare(ctx, c, dir, "/dest", local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 2 {
		t.Errorf("matched %d, want 2", res.Matched)
	}
	if got := paths(res.Missing); got != "empty,local-only.txt" {
		t.Errorf("missing %s", got)
	}
	if got := paths(res.Extra); got != "SUB/folder-here/x,dropbox-only.txt" {
		t.Errorf("extra %s", got)
	}
	if got := paths(res.Different); got != "changed.txt,resized.txt,sub/folder-here" {
		t.Errorf("different %s", got)
	}
	if res.Match() || res.Complete() {
		t.Error("Match or Complete with differences")
	}
	if len(res.LeftOut) != 1 || res.LeftOut[0].Local != "link.csv" {
		t.Errorf("left out %v", res.LeftOut)
	}
	var buf bytes.Buffer
	res.WriteText(&buf)
	// Which side is newer is not asserted here: the local files and the
	// uploads are made in the same second or across a second's edge
	// (changedSide compares whole seconds; TestChangedSide has its cases).
	for _, want := range []string{": differ: 2 the same, 2 missing on Dropbox, 2 only on Dropbox, 3 different", `different "changed.txt" (content differs (same size)`, `extra     "dropbox-only.txt" (only on Dropbox)`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestCompareCompleteAndMatch(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.txt": "a", "b/c.txt": "c"})
	emutest.Upload(t, c, "/d/a.txt", []byte("a"))
	emutest.Upload(t, c, "/d/b/c.txt", []byte("c"))
	res, err := Compare(ctx, c, dir, "/d", local.Options{})
	if err != nil || !res.Match() || res.Matched != 2 {
		t.Fatalf("Compare = %+v, %v", res, err)
	}
	emutest.Upload(t, c, "/d/extra.txt", []byte("e")) // what others added: complete, not a match
	res, err = Compare(ctx, c, dir, "/d", local.Options{})
	if err != nil || res.Match() || !res.Complete() {
		t.Fatalf("with an extra file: match %v complete %v, %v", res.Match(), res.Complete(), err)
	}

	// A single file goes to dest/<name>; other files there do not count.
	res, err = Compare(ctx, c, filepath.Join(dir, "a.txt"), "/d", local.Options{})
	if err != nil || !res.Match() || res.Matched != 1 {
		t.Fatalf("single file: %+v, %v", res, err)
	}
	// A dest that does not exist is empty.
	res, err = Compare(ctx, c, dir, "/nowhere", local.Options{})
	if err != nil || paths(res.Missing) != "a.txt,b/c.txt" {
		t.Fatalf("missing dest: %+v, %v", res, err)
	}
}

func TestCompareErrors(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	emutest.Upload(t, c, "/file.txt", []byte("x"))
	dir := t.TempDir()
	if _, err := Compare(ctx, c, dir, "/file.txt", local.Options{}); exit.CodeOf(err) != exit.Usage {
		t.Errorf("dest is a file: %v", err)
	}
	if _, err := Compare(ctx, c, filepath.Join(dir, "nope"), "/d", local.Options{}); exit.CodeOf(err) != exit.Usage {
		t.Errorf("local missing: %v", err)
	}
	write(t, dir, map[string]string{"bad. ": "x", "Case.txt": "1", "case.txt": "2"})
	res, err := Compare(ctx, c, dir, "/d", local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(res.Missing); got != "Case.txt,bad. ,case.txt" {
		t.Errorf("missing %s", got)
	}
	for _, e := range res.Missing {
		if e.Path != "Case.txt" && !strings.Contains(e.Reason, "cannot be stored on Dropbox") {
			t.Errorf("%s: reason %q", e.Path, e.Reason)
		}
	}
}

// TestChangedSide: which side changed is told by whole seconds (Dropbox
// keeps client_modified to the second), and nothing is told when a time
// is missing or both fall in the same second.
func TestChangedSide(t *testing.T) {
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		local, remote time.Time
		want          string
	}{
		{base.Add(2 * time.Second), base, "here"},
		{base, base.Add(2 * time.Second), "dropbox"},
		{base.Add(900 * time.Millisecond), base, ""},
		{base, base.Add(999 * time.Millisecond), ""},
		{base.Add(999 * time.Millisecond), base.Add(time.Second), "dropbox"},
		{time.Time{}, base, ""},
		{base, time.Time{}, ""},
	} {
		if got := changedSide(tc.local, tc.remote); got != tc.want {
			t.Errorf("changedSide(%v, %v) = %q, want %q", tc.local, tc.remote, got, tc.want)
		}
	}
}
