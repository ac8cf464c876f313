package pull

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// start runs an emulator behind handler wrap (nil: none) and returns it
// with a client.
func start(t *testing.T, opts emulator.Options, wrap func(http.Handler) http.Handler) (*emulator.Server, *dbx.Client) {
	t.Helper()
	opts.Tokens = []string{"test-token"}
	srv, base := emutest.ServeBehind(t, opts, wrap)
	return srv, emutest.Client(t, base, dbx.Token{AccessToken: "test-token"}, dbx.DefaultPolicy)
}

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// tree returns every file below dir (relative, "/"-separated) and its
// content; folders end in "/".
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator)))
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = string(data)
		return nil
	})
	return out
}

func keys(m map[string]string) string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}

func TestPullFolder(t *testing.T) {
	srv, c := start(t, emulator.Options{}, nil)
	ctx := context.Background()
	big := randomData(9<<20+12345, 1) // three content-hash blocks, in parallel ranges
	emutest.Upload(t, c, "/shared/Data/ratings.csv", []byte("u,i,r\n1,2,5\n"))
	emutest.Upload(t, c, "/shared/Data/deep/er/x.bin", big)
	emutest.Upload(t, c, "/shared/empty.txt", nil)
	emutest.Upload(t, c, "/shared/.dropbox-post/manifests/m.json", []byte("{}"))
	if _, err := c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg("/shared/empty-folder")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "study", "data") // created by the pull
	o := Options{Remote: "/SHARED", Local: dir, LargeFrom: 1 << 20}
	sum, err := Run(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	got := tree(t, dir)
	if want := "Data/ Data/deep/ Data/deep/er/ Data/deep/er/x.bin Data/ratings.csv empty-folder/ empty.txt"; keys(got) != want {
		t.Fatalf("local tree: %s\nwant %s", keys(got), want)
	}
	if got["Data/deep/er/x.bin"] != string(big) || got["Data/ratings.csv"] != "u,i,r\n1,2,5\n" {
		t.Error("content differs")
	}
	if sum.Downloaded != 3 || sum.Bytes != int64(len(big)+12) || sum.Failed != 0 || len(sum.LeftOut) != 1 {
		t.Errorf("summary %+v", sum)
	}
	if n := srv.Stats().Routes["files/download"].Requests; n < 5 {
		t.Errorf("%d download requests: the large file was not fetched in ranges", n)
	}

	// Again: nothing to download.
	srv.ResetStats()
	sum, err = Run(ctx, c, o)
	if err != nil || sum.Unchanged != 3 || sum.Downloaded != 0 {
		t.Fatalf("second pull: %+v, %v", sum, err)
	}
	if n := srv.Stats().Routes["files/download"].Requests; n != 0 {
		t.Errorf("second pull downloaded %d times", n)
	}

	// A local change is kept unless --overwrite, and said.
	changed := filepath.Join(dir, "Data", "ratings.csv")
	os.WriteFile(changed, []byte("u,i,r\n1,2,4\n"), 0o644)
	sum, err = Run(ctx, c, o)
	if err != nil || sum.Kept != 1 || len(sum.KeptFiles) != 1 || sum.KeptFiles[0].Local != "Data/ratings.csv" {
		t.Fatalf("kept: %+v, %v", sum, err)
	}
	var buf bytes.Buffer
	sum.WriteText(&buf)
	if !strings.Contains(buf.String(), `kept "Data/ratings.csv": content differs here; pass --overwrite`) {
		t.Errorf("text:\n%s", buf.String())
	}
	if data, _ := os.ReadFile(changed); string(data) != "u,i,r\n1,2,4\n" {
		t.Error("the local change was overwritten")
	}
	o.Overwrite = true
	sum, err = Run(ctx, c, o)
	if err != nil || sum.Downloaded != 1 || sum.Unchanged != 2 {
		t.Fatalf("overwrite: %+v, %v", sum, err)
	}
	if data, _ := os.ReadFile(changed); string(data) != "u,i,r\n1,2,5\n" {
		t.Error("not overwritten")
	}
	if leftovers(t, dir) != "" {
		t.Errorf("temporary files left: %s", leftovers(t, dir))
	}
}

// leftovers lists temporary files below dir.
func leftovers(t *testing.T, dir string) string {
	var out []string
	for rel := range tree(t, dir) {
		if strings.Contains(rel, ".tmp-") || local.IsPullTemp(path.Base(rel)) {
			out = append(out, rel)
		}
	}
	return strings.Join(out, " ")
}

func TestPullFileAndDryRun(t *testing.T) {
	_, c := start(t, emulator.Options{}, nil)
	ctx := context.Background()
	emutest.Upload(t, c, "/a/one.csv", []byte("1"))
	emutest.Upload(t, c, "/a/two.csv", []byte("2"))
	dir := filepath.Join(t.TempDir(), "in")

	sum, err := Run(ctx, c, Options{Remote: "/a", Local: dir, DryRun: true})
	if err != nil || sum.Downloaded != 2 || len(sum.Planned) != 2 || sum.Planned[0].Status != "would download" {
		t.Fatalf("dry run: %+v, %v", sum, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a dry run created the local folder")
	}

	sum, err = Run(ctx, c, Options{Remote: "/a/two.csv", Local: dir})
	if err != nil || sum.Downloaded != 1 {
		t.Fatalf("file: %+v, %v", sum, err)
	}
	if got := tree(t, dir); keys(got) != "two.csv" || got["two.csv"] != "2" {
		t.Errorf("file lands at LOCAL/<name>: %v", got)
	}
}

func TestPullErrors(t *testing.T) {
	_, c := start(t, emulator.Options{}, nil)
	ctx := context.Background()
	emutest.Upload(t, c, "/f.txt", []byte("f"))
	dir := t.TempDir()
	if _, err := Run(ctx, c, Options{Remote: "/missing", Local: dir}); exit.CodeOf(err) != exit.Usage || !strings.Contains(err.Error(), `"/missing" is not on Dropbox`) {
		t.Errorf("missing remote: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Run(ctx, c, Options{Remote: "/f.txt", Local: file}); exit.CodeOf(err) != exit.Usage {
		t.Errorf("LOCAL is a file: %v", err)
	}

	// A name Dropbox stores but this file system cannot (too many bytes).
	long := strings.Repeat("é", 200)
	emutest.Upload(t, c, "/names/ok.txt", []byte("ok"))
	emutest.Upload(t, c, "/names/"+long+".txt", []byte("x"))
	out := filepath.Join(dir, "out")
	_, err := Run(ctx, c, Options{Remote: "/names", Local: out})
	if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "bytes long") || !strings.Contains(err.Error(), "nothing was downloaded") {
		t.Errorf("long name: %v", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Error("something was written")
	}
}

func TestRelPathRefusesEscapes(t *testing.T) {
	for _, tc := range []struct{ remote, p, want string }{
		{"/a", "/a/b/c.txt", "b/c.txt"},
		{"/A", "/a/B", "B"},
		{"", "/x/y", "x/y"},
		{"/a", "/ab/c", ""},     // not below /a
		{"/a", "/b/../a/x", ""}, // not below /a as Dropbox compares
		{"/a", "/a/../../etc/passwd", ""},
		{"/a", "/a/./x", ""},
		{"/a", "/a//x", ""},
		{"/a", "/a/x\x00y", ""},
		{"/a", "a/x", ""},
		{"/a", "/a", ""},
		{"/a", "/a/" + strings.Repeat("x", 256), ""},
	} {
		h := &remote.Held{Base: tc.remote, Folder: true, Entries: map[string]remote.Entry{}}
		got, err := relPath(h, remote.Entry{Path: tc.p})
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("relPath(%q, %q) = %q, %v; want %q", tc.remote, tc.p, got, err, tc.want)
		}
	}
	// A folder listed as /a/Exp1 holds what Dropbox shows under /A/EXP1.
	h := &remote.Held{Base: "/a", Folder: true, Entries: map[string]remote.Entry{"/a/exp1": {Path: "/a/Exp1", Folder: true}}}
	if got, err := relPath(h, remote.Entry{Path: "/A/EXP1/x.csv"}); got != "Exp1/x.csv" || err != nil {
		t.Errorf("relPath under a folder shown in other case = %q, %v; want \"Exp1/x.csv\"", got, err)
	}
}

func TestPullDoesNotFollowLinksOut(t *testing.T) {
	_, c := start(t, emulator.Options{}, nil)
	ctx := context.Background()
	emutest.Upload(t, c, "/d/sub/x.txt", []byte("x"))
	emutest.Upload(t, c, "/d/y.txt", []byte("y"))
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	_, err := Run(ctx, c, Options{Remote: "/d", Local: dir})
	if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "cannot write "+strconv.Quote(filepath.Join(dir, "sub"))+": path escapes from parent") {
		t.Errorf("link out: %v", err)
	}
	if got := tree(t, outside); len(got) != 0 {
		t.Errorf("wrote outside the local folder: %v", got)
	}
}

// fullDisk fails writes with ENOSPC once limit bytes were written by all
// files together.
type fullDisk struct {
	*os.File
	written *atomic.Int64
	limit   int64
}

func (f fullDisk) WriteAt(p []byte, off int64) (int, error) {
	if f.written.Add(int64(len(p))) > f.limit {
		return 0, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

func TestPullFullDisk(t *testing.T) {
	_, c := start(t, emulator.Options{}, nil)
	ctx := context.Background()
	emutest.Upload(t, c, "/d/a.bin", randomData(300<<10, 2))
	emutest.Upload(t, c, "/d/b.bin", randomData(300<<10, 3))
	dir := t.TempDir()
	var written atomic.Int64
	o := Options{Remote: "/d", Local: dir, Parallel: 1}
	o.create = func(root *os.Root, name string) (file, error) {
		f, err := createOS(root, name)
		if err != nil {
			return nil, err
		}
		return fullDisk{File: f.(*os.File), written: &written, limit: 400 << 10}, nil
	}
	sum, err := Run(ctx, c, o)
	if exit.CodeOf(err) != exit.Local {
		t.Fatalf("full disk: %v (code %d)", err, exit.CodeOf(err))
	}
	want := "no space left (the disk is full, or a size limit was reached): cannot write " + strconv.Quote(filepath.Join(dir, "b.bin"))
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if got := keys(tree(t, dir)); got != "a.bin" {
		t.Errorf("local files %q: want only the complete a.bin, no temporaries", got)
	}
	if sum == nil || sum.Downloaded != 1 {
		t.Errorf("summary %+v", sum)
	}
}

// corrupt flips a byte of the first n files/download responses.
func corrupt(n int64) func(http.Handler) http.Handler {
	var left atomic.Int64
	left.Store(n)
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/2/files/download" && left.Add(-1) >= 0 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				body := rec.Body.Bytes()
				if len(body) > 0 {
					body[len(body)/2] ^= 0xff
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(body)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestPullChecksContentHash(t *testing.T) {
	_, c := start(t, emulator.Options{}, corrupt(1))
	ctx := context.Background()
	emutest.Upload(t, c, "/d/a.csv", []byte("some,data\n1,2\n"))
	dir := t.TempDir()
	sum, err := Run(ctx, c, Options{Remote: "/d", Local: dir})
	if err != nil || sum.Downloaded != 1 {
		t.Fatalf("one corrupted answer should be retried: %+v, %v", sum, err)
	}
	if got := tree(t, dir); got["a.csv"] != "some,data\n1,2\n" {
		t.Errorf("content %q", got["a.csv"])
	}

	_, c = start(t, emulator.Options{}, corrupt(100))
	emutest.Upload(t, c, "/d/a.csv", []byte("some,data\n1,2\n"))
	dir = t.TempDir()
	sum, err = Run(ctx, c, Options{Remote: "/d", Local: dir, Rounds: 2})
	if err != nil || sum.Failed != 1 || !strings.Contains(sum.Failures[0].Error, "content hash") {
		t.Fatalf("always corrupted: %+v, %v", sum, err)
	}
	if got := tree(t, dir); len(got) != 0 {
		t.Errorf("kept corrupted data: %v", keys(got))
	}
}

// stall sends half of every large download, then waits for the client to
// go away: a transfer that is under way when the user presses Ctrl-C.
func stall(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2/files/download" {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		if len(body) < 1<<20 {
			w.Write(body)
			return
		}
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
}

func TestPullInterrupted(t *testing.T) {
	_, c := start(t, emulator.Options{}, stall)
	emutest.Upload(t, c, "/d/big.bin", randomData(3<<20, 4))
	emutest.Upload(t, c, "/d/a-small.txt", []byte("s")) // sorted first: done before the stall
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Run(ctx, c, Options{Remote: "/d", Local: dir, Parallel: 1, LargeFrom: 1 << 30})
	if exit.CodeOf(err) != exit.Interrupted {
		t.Fatalf("interrupted: %v (code %d)", err, exit.CodeOf(err))
	}
	if got := keys(tree(t, dir)); got != "a-small.txt" {
		t.Errorf("local files %q; want a-small.txt alone: no half-written big.bin, no temporary", got)
	}
}

// TestDecideWithoutLocalFolder: a dry run into a folder that does not
// exist yet plans every file as new.
func TestDecideWithoutLocalFolder(t *testing.T) {
	jobs := []*job{{rel: "a", remote: remote.Entry{Path: "/r/a", Size: 1}}}
	if err := decide(context.Background(), nil, "", jobs, false); err != nil || jobs[0].action != actDownload {
		t.Errorf("decide: %v %v", jobs[0].action, err)
	}
	var s report.PullSummary
	dryRun(&s, jobs)
	if s.Downloaded != 1 || s.Bytes != 1 {
		t.Errorf("dry run %+v", s)
	}
}

// Pull builds each local path from its folder's place and the entry's own
// name: a folder that Dropbox shows in another case above a file is one
// folder here, and a local name that Dropbox takes for the entry's (other
// case, NFD) is used, not doubled.
func TestPullPlacesByNamesAsDropboxComparesThem(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []string{"request", "lower", "random"} {
		_, c := start(t, emulator.Options{Names: emulator.Names{NFC: true, Display: mode}}, nil)
		if _, err := c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg("/d/Exp1")); err != nil {
			t.Fatal(err)
		}
		emutest.Upload(t, c, "/d/EXP1/a.csv", []byte("a"))
		emutest.Upload(t, c, "/D/exp1/Sub/b.csv", []byte("b"))
		dir := t.TempDir()
		if _, err := Run(ctx, c, Options{Remote: "/d", Local: dir}); err != nil {
			t.Fatal(err)
		}
		if got := keys(tree(t, dir)); got != "Exp1/ Exp1/Sub/ Exp1/Sub/b.csv Exp1/a.csv" {
			t.Errorf("%s: pulled %s", mode, got)
		}
	}

	_, c := start(t, emulator.Options{Names: emulator.Names{NFC: true}}, nil)
	emutest.Upload(t, c, "/n/Runs/caf\u00e9.csv", []byte("same"))
	emutest.Upload(t, c, "/n/Runs/new.csv", []byte("new"))
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "runs", "cafe\u0301.csv"), []byte("same"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Run(ctx, c, Options{Remote: "/n", Local: dir})
	if err != nil || sum.Unchanged != 1 || sum.Downloaded != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := keys(tree(t, dir)); got != "runs/ runs/cafe\u0301.csv runs/new.csv" {
		t.Errorf("pulled %+q", got)
	}
}
