package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

func write(t *testing.T, root, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rels(files []*File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Rel)
	}
	return out
}

func TestScanFolder(t *testing.T) {
	root := t.TempDir()
	write(t, root, "results.csv", []byte("a,b\n"))
	write(t, root, "exp00000/result/fold-1.csv", []byte("1"))
	write(t, root, "exp00000/log/librec.log", []byte("log"))
	write(t, root, "exp00000/.DS_Store", []byte("x"))
	write(t, root, "Thumbs.db", []byte("x"))
	write(t, root, ".dropbox-post/manifests/m.json", []byte("{}"))
	write(t, root, "bad name /x", nil) // a folder whose name ends in a space
	os.MkdirAll(filepath.Join(root, "empty/deeper"), 0o755)
	os.MkdirAll(filepath.Join(root, "exp00001/empty"), 0o755)
	write(t, root, "exp00001/x.csv", []byte("2"))
	if err := os.Symlink("/etc", filepath.Join(root, "etc-link")); err != nil {
		t.Fatal(err)
	}

	tree, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"exp00000/log/librec.log", "exp00000/result/fold-1.csv", "exp00001/x.csv", "results.csv"}
	if got := rels(tree.Files); !reflect.DeepEqual(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	if !reflect.DeepEqual(tree.EmptyDirs, []string{"empty/deeper", "exp00001/empty"}) {
		t.Fatalf("empty dirs %v", tree.EmptyDirs)
	}
	skipped := map[string]string{}
	for _, n := range tree.Skipped {
		skipped[n.Rel] = n.Reason
	}
	for _, rel := range []string{"exp00000/.DS_Store", "Thumbs.db", "etc-link"} {
		if skipped[rel] == "" {
			t.Errorf("%s not skipped (skipped: %v)", rel, skipped)
		}
	}
	if !strings.Contains(skipped["etc-link"], "symbolic link") {
		t.Errorf("link reason %q", skipped["etc-link"])
	}
	if len(tree.Invalid) != 1 || tree.Invalid[0].Rel != "bad name " {
		t.Fatalf("invalid %v", tree.Invalid)
	}
	if tree.Bytes() != 4+1+3+1 {
		t.Fatalf("bytes %d", tree.Bytes())
	}
}

func TestScanTwins(t *testing.T) {
	root := t.TempDir()
	write(t, root, "Results.csv", []byte("1"))
	write(t, root, "results.csv", []byte("2"))
	write(t, root, "caf\u00e9.csv", []byte("NFC"))
	write(t, root, "cafe\u0301.csv", []byte("NFD"))
	write(t, root, "ok.csv", []byte("3"))
	tree, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Twins) != 2 || len(tree.Invalid) != 0 || len(tree.Files) != 5 {
		t.Fatalf("twins %v, invalid %v, %d files", tree.Twins, tree.Invalid, len(tree.Files))
	}
	why := tree.Twins[0].Reason + "\n" + tree.Twins[1].Reason
	for _, want := range []string{"only by case", "differs from \"cafe\u0301.csv\" only in how its letters are encoded (\"cafe\\u0301.csv\" and \"caf\\u00e9.csv\": one is Unicode NFD"} {
		if !strings.Contains(why, want) {
			t.Errorf("reasons %q lack %q", why, want)
		}
	}
}

func TestScanSingleFileWithABadName(t *testing.T) {
	root := t.TempDir()
	write(t, root, "notes ", []byte("x"))
	tree, err := Scan(filepath.Join(root, "notes "))
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if len(tree.Files) != 0 || len(tree.Invalid) != 1 || !strings.Contains(tree.Invalid[0].Reason, "ends with a space") {
		t.Fatalf("files %v, invalid %v", tree.Files, tree.Invalid)
	}
}

func TestScanSingleFile(t *testing.T) {
	root := t.TempDir()
	write(t, root, "post/plot.png", []byte("png"))
	tree, err := Scan(filepath.Join(root, "post/plot.png"))
	if err != nil {
		t.Fatal(err)
	}
	if tree.IsDir || len(tree.Files) != 1 || tree.Files[0].Rel != "plot.png" || tree.Files[0].Size != 3 {
		t.Fatalf("tree %+v", tree)
	}
}

func TestHashMatchesSDK(t *testing.T) {
	root := t.TempDir()
	sizes := []int{0, 1, smallFile - 1, smallFile, smallFile + 1,
		contenthash.BlockSize - 1, contenthash.BlockSize, contenthash.BlockSize + 1, 3*contenthash.BlockSize + 17}
	var files []*File
	for i, n := range sizes {
		data := make([]byte, n)
		rand.Read(data)
		rel := filepath.Join("f", string(rune('a'+i)))
		write(t, root, rel, data)
		files = append(files, &File{Rel: rel, Path: filepath.Join(root, rel), Size: int64(n)})
	}
	var done atomic.Int64 // called from the workers
	if err := HashAll(context.Background(), files, 3, func(*File) { done.Add(1) }); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f.Path)
		want, _ := contenthash.Compute(bytes.NewReader(data))
		if f.Hash != want {
			t.Errorf("%s (%d bytes): %s, want %s", f.Rel, f.Size, f.Hash, want)
		}
	}
	if done.Load() != int64(len(files)) {
		t.Fatalf("done called %d times", done.Load())
	}
	// The empty file's hash is SHA-256 of nothing.
	if files[0].Hash != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty hash %s", files[0].Hash)
	}
}

// TestHashSmallFilesTakesNoBlockBuffer: hashing small files allocates no
// 4 MiB buffer (the first read is a small one; an unchanged re-run of
// 100,000 small files held one a worker).
func TestHashSmallFilesTakesNoBlockBuffer(t *testing.T) {
	root := t.TempDir()
	var files []*File
	for i := range 50 {
		rel := fmt.Sprintf("f%02d", i)
		write(t, root, rel, []byte(rel))
		files = append(files, &File{Rel: rel, Path: filepath.Join(root, rel), Size: int64(len(rel))})
	}
	runtime.GC()
	runtime.GC() // empties the buffer pools
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := HashAll(context.Background(), files, 2, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Errorf("hashing 50 files of 3 bytes allocated %d bytes", n)
	}
}

func TestHashNoticesAFileThatChanged(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a", []byte("12345"))
	f := &File{Rel: "a", Path: filepath.Join(root, "a"), Size: 3}
	err := HashAll(context.Background(), []*File{f}, 1, nil)
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Fatalf("err %v", err)
	}
}
