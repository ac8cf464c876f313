package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

// TestHashingSourceMatchesContentHash reads ranges the way filetransfer
// does (8 MiB, concurrently, out of order) and checks the joined hash
// against the SDK's.
func TestHashingSourceMatchesContentHash(t *testing.T) {
	const chunk = 2 * contenthash.BlockSize
	for _, size := range []int64{1, contenthash.BlockSize, chunk, chunk + 5, 3*chunk + contenthash.BlockSize + 1} {
		data := make([]byte, size)
		rand.Read(data)
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := newHashingSource(path)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for off := (size - 1) / chunk * chunk; off >= 0; off -= chunk { // last range first
			wg.Add(1)
			go func(off int64) {
				defer wg.Done()
				rc, err := src.OpenRange(context.Background(), off, min(chunk, size-off))
				if err != nil {
					t.Error(err)
					return
				}
				defer rc.Close()
				io.Copy(io.Discard, io.LimitReader(rc, 1000)) // small reads first
				io.Copy(io.Discard, rc)
			}(off)
		}
		wg.Wait()
		got, err := src.Sum()
		want, _ := contenthash.Compute(bytes.NewReader(data))
		if err != nil || got != want {
			t.Fatalf("size %d: %s (%v), want %s", size, got, err, want)
		}
	}
}

func TestHashingSourceNoticesChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("hello"), 0o644)
	src, err := newHashingSource(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Sum(); err == nil {
		t.Fatal("Sum before reading succeeded")
	}
	rc, _ := src.OpenRange(context.Background(), 0, 5)
	io.Copy(io.Discard, rc)
	rc.Close()
	future := time.Now().Add(time.Hour)
	os.Chtimes(path, future, future)
	if _, err := src.Sum(); err != errChanged {
		t.Fatalf("Sum after the file changed: %v", err)
	}
	if _, err := src.OpenRange(context.Background(), 1, 4); err == nil {
		t.Fatal("unaligned range accepted")
	}
}
