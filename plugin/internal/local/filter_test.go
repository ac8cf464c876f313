package local

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/filter"
)

// TestScanFiltered: files the filter leaves out are counted, not posted;
// a folder whose files were all left out is not created empty; an empty
// folder is created only if its path passes; a name Dropbox cannot store
// inside an excluded folder does not stop the push.
func TestScanFiltered(t *testing.T) {
	root := t.TempDir()
	write(t, root, "exp0/result/fold-1.csv", []byte("1"))
	write(t, root, "exp0/model.bin", []byte("weights"))
	write(t, root, "exp0/log/librec.log", []byte("log"))
	write(t, root, "exp0/big.csv", make([]byte, 2048))
	write(t, root, "tmp./bad.txt", []byte("x")) // a folder name Dropbox cannot store, excluded
	for _, d := range []string{"exp0/empty", "logs"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f, err := filter.New(filter.Spec{Exclude: []string{"*.bin", "log/", "/tmp./", "logs/"}, MaxSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ScanFiltered(root, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if got, want := rels(tree.Files), []string{"exp0/result/fold-1.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if !reflect.DeepEqual(tree.EmptyDirs, []string{"exp0/empty"}) {
		t.Errorf("empty folders %q: exp0/log held only left-out files, logs/ is excluded", tree.EmptyDirs)
	}
	if tree.Filtered != 4 || len(tree.Invalid) != 0 {
		t.Errorf("filtered %d (want 4), invalid %v", tree.Filtered, tree.Invalid)
	}

	// A single file left out: nothing to post.
	one, err := ScanFiltered(filepath.Join(root, "exp0", "model.bin"), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Files) != 0 || one.Filtered != 1 {
		t.Errorf("single file: %d files, %d filtered", len(one.Files), one.Filtered)
	}
}
