package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	dbfiles "github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

const token = emutest.Token

// fastPolicy retries as the default policy does, without the waits.
var fastPolicy = retry.Policy{MaxRetries: 10, InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxRetryAfter: time.Minute, Retryable409Tags: []string{"too_many_write_operations"}}

func startEmulator(t *testing.T, o emulator.Options) (*emulator.Server, *dbx.Client) {
	t.Helper()
	return emutest.Start(t, o, fastPolicy)
}

func client(t *testing.T, base string) *dbx.Client {
	return emutest.Client(t, base, dbx.Token{AccessToken: token}, fastPolicy)
}

// study writes files (relative path → content) under a new folder.
func study(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for rel, data := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func results(n int) map[string][]byte {
	m := map[string][]byte{}
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("exp%05d/result/out-%d.txt", i%7, i)] = []byte(fmt.Sprintf("fold %d\nndcg 0.%04d\n", i, i*37%10000))
	}
	return m
}

func hash(b []byte) string {
	h, _ := contenthash.Compute(bytes.NewReader(b))
	return h
}

// checkRemote asserts that the emulator holds exactly want under dest.
func checkRemote(t *testing.T, srv *emulator.Server, dest string, want map[string][]byte) {
	t.Helper()
	got := map[string]emulator.FileInfo{}
	for _, f := range srv.Files() {
		if strings.HasPrefix(strings.ToLower(f.Path), strings.ToLower(dest)+"/") {
			got[strings.ToLower(f.Path)] = f
		}
	}
	for rel, data := range want {
		p := strings.ToLower(dest + "/" + rel)
		f, ok := got[p]
		if !ok {
			t.Errorf("%s missing on Dropbox", p)
			continue
		}
		if f.ContentHash != hash(data) || f.Size != int64(len(data)) {
			t.Errorf("%s: hash %s size %d, want %s %d", p, f.ContentHash, f.Size, hash(data), len(data))
		}
		delete(got, p)
	}
	for p := range got {
		t.Errorf("unexpected file on Dropbox: %s", p)
	}
}

func requests(srv *emulator.Server) (total int64, byRoute map[string]int64) {
	st := srv.Stats()
	byRoute = map[string]int64{}
	for name, r := range st.Routes {
		if r.Requests > 0 {
			byRoute[name] = r.Requests
		}
	}
	return st.Requests, byRoute
}

func TestPushFolderThenNothingChanged(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	files := results(300)
	files["post/plot.png"] = bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 1000)
	files["big/model.bin"] = bytes.Repeat([]byte("0123456789abcdef"), (9<<20)/16+5) // above the 8 MiB chunk limit
	files["post/.DS_Store"] = []byte("ignored")
	root := study(t, files)
	os.MkdirAll(filepath.Join(root, "empty/inner"), 0o755)
	os.Symlink("/etc/passwd", filepath.Join(root, "post/passwd"))
	manifests := t.TempDir()

	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/Studies/Demo", Mode: plan.Overwrite, Manifests: statedir.At(manifests, 0o755), Tool: "dropbox-post test"})
	if err != nil {
		t.Fatal(err)
	}
	delete(files, "post/.DS_Store")
	if sum.Uploaded != len(files) || sum.Failed != 0 || sum.Unchanged != 0 || sum.Skipped != 2 {
		t.Fatalf("first push: %+v", sum)
	}
	checkRemote(t, srv, "/Studies/Demo", files)
	md, err := c.Files.GetMetadataContext(context.Background(), dbfiles.NewGetMetadataArg("/Studies/Demo/empty/inner"))
	if _, ok := md.(*dbfiles.FolderMetadata); err != nil || !ok {
		t.Fatalf("the empty folder was not created: %T %v", md, err)
	}
	_, routes := requests(srv)
	// 301 small files: one pack of 301, appended in 7 requests of at most
	// 44 files (their Dropbox-API-Arg under 6 KiB); the 9 MiB file: start,
	// 2 chunks; everything committed by finish_batch_v2.
	if routes["files/upload_session/start_batch"] != 1 || routes["files/upload_session/append_batch"] != 7 || routes["files/upload"] != 0 || routes["files/upload_session/finish"] != 0 {
		t.Fatalf("requests by route: %v", routes)
	}
	if routes["files/upload_session/finish_batch_v2"] > 2 {
		t.Fatalf("%d commits for %d files", routes["files/upload_session/finish_batch_v2"], len(files))
	}

	// The manifest records every file with its hash and rev.
	var m manifest.Manifest
	data, err := os.ReadFile(sum.Manifest)
	if err != nil || json.Unmarshal(data, &m) != nil {
		t.Fatalf("manifest %q: %v", sum.Manifest, err)
	}
	if len(m.Files) != len(files) || m.Dest != "/Studies/Demo" || !strings.HasPrefix(sum.Manifest, manifests) {
		t.Fatalf("manifest has %d files, dest %q", len(m.Files), m.Dest)
	}
	for _, f := range m.Files {
		if f.Status != "uploaded" || f.Rev == "" || f.Hash != hash(files[f.Local]) {
			t.Fatalf("manifest entry %+v", f)
		}
	}

	// Again, unchanged: nothing sent, one listing.
	srv.ResetStats()
	sum, err = Run(context.Background(), c, Options{Local: root, Dest: "/studies/demo", Mode: plan.Overwrite})
	if err != nil || sum.Uploaded != 0 || sum.Unchanged != len(files) {
		t.Fatalf("second push: %+v %v", sum, err)
	}
	// dest's own entries, and each of its sub-folders, side by side
	// (remote.ListParts); one of them may be a large file's session
	// begun early (transfer's early read).
	subs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	folders := int64(1)
	for _, e := range subs {
		if e.IsDir() {
			folders++
		}
	}
	if total, routes := requests(srv); total > folders+1 || routes["files/list_folder"] != folders || routes["files/list_folder/continue"] != 0 {
		t.Fatalf("unchanged push made %d requests, not %d list_folder: %v", total, folders, routes)
	}

	// One file changed (same size), one added: only they are sent.
	changed := "exp00003/result/out-3.txt"
	files[changed] = bytes.ToUpper(files[changed])
	files["post/new.csv"] = []byte("a,b\n")
	os.WriteFile(filepath.Join(root, changed), files[changed], 0o644)
	os.WriteFile(filepath.Join(root, "post/new.csv"), files["post/new.csv"], 0o644)
	sum, err = Run(context.Background(), c, Options{Local: root, Dest: "/Studies/Demo", Mode: plan.Overwrite})
	if err != nil || sum.Uploaded != 2 || sum.Unchanged != len(files)-2 {
		t.Fatalf("third push: %+v %v", sum, err)
	}
	checkRemote(t, srv, "/Studies/Demo", files)
}

func TestPushSingleFileAndDryRun(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	root := study(t, map[string][]byte{"post/summary.csv": []byte("metric,value\nndcg,0.31\n"), "post/other.csv": []byte("x")})
	file := filepath.Join(root, "post/summary.csv")

	sum, err := Run(context.Background(), c, Options{Local: file, Dest: "/demo", DryRun: true})
	if err != nil || sum.Uploaded != 1 || len(sum.Planned) != 1 || sum.Planned[0].Status != "would upload" {
		t.Fatalf("dry run: %+v %v", sum, err)
	}
	if len(srv.Files()) != 0 {
		t.Fatal("the dry run wrote to Dropbox")
	}
	if _, routes := requests(srv); routes["files/get_metadata"] != 1 || len(routes) != 1 {
		t.Fatalf("dry run requests: %v", routes)
	}
	sum, err = Run(context.Background(), c, Options{Local: file, Dest: "/demo"})
	if err != nil || sum.Uploaded != 1 {
		t.Fatalf("push: %+v %v", sum, err)
	}
	checkRemote(t, srv, "/demo", map[string][]byte{"summary.csv": []byte("metric,value\nndcg,0.31\n")})
}

func TestIfExists(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	root := study(t, map[string][]byte{"a.csv": []byte("mine")})
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/d"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "a.csv"), []byte("changed!"), 0o644)
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/d", Mode: plan.Skip})
	if err != nil || sum.Skipped != 1 || sum.Uploaded != 0 {
		t.Fatalf("skip: %+v %v", sum, err)
	}
	sum, err = Run(context.Background(), c, Options{Local: root, Dest: "/d", Mode: plan.Fail})
	if err != nil || sum.Failed != 1 || !strings.Contains(sum.Failures[0].Error, "--if-exists fail") {
		t.Fatalf("fail: %+v %v", sum, err)
	}
	checkRemote(t, srv, "/d", map[string][]byte{"a.csv": []byte("mine")})
}

func TestTwinsAreReportedBeforeSending(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	for _, files := range []map[string][]byte{
		{"ok.csv": []byte("1"), "Dup.csv": []byte("3"), "dup.csv": []byte("4")},
		{"ok.csv": []byte("1"), "caf\u00e9.csv": []byte("NFC"), "cafe\u0301.csv": []byte("NFD")},
	} {
		_, err := Run(context.Background(), c, Options{Local: study(t, files), Dest: "/d"})
		if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "cannot be stored on Dropbox") || !strings.Contains(err.Error(), "Dropbox would store both as one file") {
			t.Fatalf("err %v", err)
		}
	}
	// Dropbox may have been listed while the folder was scanned (a
	// listing reads, and is dropped): nothing else is asked.
	if _, by := requests(srv); len(by) > 1 || len(by) == 1 && by["files/list_folder"] == 0 {
		t.Fatalf("requests were sent: %v", by)
	}
}

// A name Dropbox cannot store fails that file alone, named; the others
// are posted, a trailing dot among them.
func TestRefusedNamesFailAlone(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{Names: emulator.Names{NonBMP: emulator.NonBMP400}})
	root := study(t, map[string][]byte{"ok.csv": []byte("1"), "dot.": []byte("2"), "space /x.csv": []byte("3"), "smile \U0001F600.csv": []byte("4")})
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/d"})
	if err != nil || sum.Uploaded != 2 || sum.Failed != 2 || len(sum.Failures) != 2 {
		t.Fatalf("sum %+v, err %v", sum, err)
	}
	var why []string
	for _, f := range sum.Failures {
		why = append(why, f.Local+": "+f.Error)
	}
	got := strings.Join(why, "\n")
	for _, want := range []string{`space : cannot be stored on Dropbox: name "space " ends with a space`, "beyond Unicode's Basic Multilingual Plane"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures lack %q:\n%s", want, got)
		}
	}
	checkRemote(t, srv, "/d", map[string][]byte{"ok.csv": []byte("1"), "dot.": []byte("2")})
	if Failures(sum.Failed, false) == nil {
		t.Error("no error for the failed files")
	}
}

// TestPushUnderFaults pushes through every fault the emulator has; the
// result must be exactly the local files, with nothing extra.
func TestPushUnderFaults(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{FailRate: 0.1, ThrottleRate: 0.05, ResetRate: 0.05, WriteContention: true, RetryAfter: time.Millisecond, Seed: 7})
	files := results(400)
	files["big.bin"] = bytes.Repeat([]byte("x"), 17<<20)
	root := study(t, files)
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/faults", Transfer: transfer.Options{PackFiles: 50}})
	if err != nil || sum.Failed != 0 || sum.Uploaded != len(files) {
		t.Fatalf("push under faults: %+v %v", sum, err)
	}
	checkRemote(t, srv, "/faults", files)
	if srv.Stats().FaultsTotal == 0 || c.Retries.Total() == 0 {
		t.Fatalf("no faults injected (%d) or no retries (%s)", srv.Stats().FaultsTotal, c.Retries)
	}
	t.Logf("faults %v, %s", srv.Stats().Faults, c.Retries)
}

// TestFallbackWithoutAppendBatch: a server that does not know append_batch
// still gets every file, one request each.
func TestFallbackWithoutAppendBatch(t *testing.T) {
	srv, base := emutest.ServeBehind(t, emulator.Options{Tokens: []string{token}}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/append_batch") {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `Unknown API function: "files/upload_session/append_batch"`)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := client(t, base)
	files := results(20)
	sum, err := Run(context.Background(), c, Options{Local: study(t, files), Dest: "/fb"})
	if err != nil || sum.Uploaded != 20 {
		t.Fatalf("%+v %v", sum, err)
	}
	checkRemote(t, srv, "/fb", files)
	if _, routes := requests(srv); routes["files/upload_session/start"] != 20 {
		t.Fatalf("routes %v", routes)
	}
}

// TestChangedWhileSending: a file whose content differs from what was
// hashed for the plan is not committed.
func TestChangedWhileSending(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	root := study(t, map[string][]byte{"a.txt": []byte("aaaa"), "b.txt": []byte("bbbb")})
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/c"}); err != nil {
		t.Fatal(err)
	}
	// Same size on Dropbox, so the plan hashes; change the file behind the
	// plan's back by planning from a stale hash.
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("AAAA"), 0o644)
	tree := mustScan(t, root)
	tree.Files[0].Hash = "stale" // as if hashed before the experiment rewrote it
	held, _ := remote.List(context.Background(), c.Files, "/c")
	p := plan.Make(tree, "/c", held, plan.Overwrite)
	p.Items[0].Action = plan.Upload
	res, _, err := transfer.Upload(context.Background(), c, p, transfer.Options{})
	if err != nil || res[0].Item.File.Rel != "a.txt" || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "changed while it was being sent") {
		t.Fatalf("results %+v err %v", res, err)
	}
	checkRemote(t, srv, "/c", map[string][]byte{"a.txt": []byte("aaaa"), "b.txt": []byte("bbbb")})
}

// TestRerunAcrossListingPages: a re-run whose listing takes two pages
// (Dropbox's 2,000 entries each) decides each file by its hash, whether
// its page came while the listing went on (hashed then) or Dropbox
// displays its path in another case (found once the listing is whole):
// only the file changed in place, at the same size, is sent again. The
// two pages are a sub-folder's, listed beside dest's own entries
// (remote.ListParts), or dest's whole listing when the folder holds more
// sub-folders than are listed side by side.
func TestRerunAcrossListingPages(t *testing.T) {
	for _, c := range []struct {
		name   string
		prefix string // of every file's path
		extra  int    // empty sub-folders added
		folder int64  // list_folder requests
	}{
		{name: "one sub-folder", prefix: "all/", folder: 2},
		{name: "whole listing", extra: remote.MaxParts, folder: 1},
	} {
		t.Run(c.name, func(t *testing.T) { rerunAcrossPages(t, c.prefix, c.extra, c.folder) })
	}
}

func rerunAcrossPages(t *testing.T, prefix string, extra int, folder int64) {
	srv, c := startEmulator(t, emulator.Options{})
	files := map[string][]byte{}
	for rel, data := range results(2100) {
		files[prefix+rel] = data
	}
	root := study(t, files)
	for i := range extra {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("empty-%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/d"}); err != nil {
		t.Fatal(err)
	}
	// The same content, under a name Dropbox now displays in another case.
	if _, err := c.Files.DeleteV2Context(context.Background(), dbfiles.NewDeleteArg("/d/"+prefix+"exp00003/result/out-3.txt")); err != nil {
		t.Fatal(err)
	}
	emutest.Upload(t, c, "/d/"+prefix+"exp00003/result/OUT-3.txt", files[prefix+"exp00003/result/out-3.txt"])
	changed := prefix + "exp00005/result/out-2000.txt"
	files[changed] = bytes.ToUpper(files[changed])
	if err := os.WriteFile(filepath.Join(root, changed), files[changed], 0o644); err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/d"})
	if err != nil || sum.Uploaded != 1 || sum.Unchanged != len(files)-1 || sum.Failed != 0 {
		t.Fatalf("re-run: %+v %v", sum, err)
	}
	if _, routes := requests(srv); routes["files/list_folder/continue"] != 1 || routes["files/list_folder"] != folder {
		t.Fatalf("the listing was not two pages in %d list_folder request(s): %v", folder, routes)
	}
	checkRemote(t, srv, "/d", files)
}
