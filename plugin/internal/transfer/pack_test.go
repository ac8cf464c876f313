package transfer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// TestPackBufferHoldsItsFiles: a pack's files are read into the buffer
// made for them, of exactly their size (checking that none grew does not
// grow it), and each file's part of it is its content.
func TestPackBufferHoldsItsFiles(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]byte{}
	for i, size := range []int{3000, 1, 0, 4096, 70000} {
		name := filepath.Join(dir, string(rune('a'+i)))
		data := bytes.Repeat([]byte{byte(i + 1)}, size)
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[filepath.Base(name)] = data
	}
	tree, err := local.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	var pack []*plan.Item
	for _, f := range tree.Files {
		pack = append(pack, &plan.Item{File: f, Action: plan.Upload})
	}
	buf := make([]byte, 0, tree.Bytes())
	items, all, data := (&uploader{}).readPack(pack, buf)
	if len(items) != len(pack) || int64(len(all)) != tree.Bytes() || cap(all) != len(all) || &all[:1][0] != &buf[:1][0] {
		t.Fatalf("read %d of %d files into %d bytes (capacity %d), want %d", len(items), len(pack), len(all), cap(all), tree.Bytes())
	}
	for i, it := range items {
		if !bytes.Equal(data[i], want[it.File.Rel]) {
			t.Errorf("%s: %d bytes in the pack, want %d", it.File.Rel, len(data[i]), len(want[it.File.Rel]))
		}
	}
}
