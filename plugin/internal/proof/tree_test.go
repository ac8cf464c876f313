package proof

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

// version is one state of a local folder: each file's path relative to
// the folder (with /), and the Dropbox content hash of what it holds.
type version map[string]string

// smallFiles writes n small result files under root, as generation gen of
// a study's results (every generation changes every file; most keep their
// size, so that only their hash tells them apart), and returns them.
func smallFiles(t testing.TB, root string, n, gen int) version {
	t.Helper()
	v := version{}
	for i := range n {
		rel := fmt.Sprintf("exp%05d/result/fold-%d.csv", i%9, i)
		data := fmt.Appendf(nil, "fold,%d\ngeneration,%d\nndcg,0.%04d\n", i, gen%10, (i*37+gen)%10000)
		if i%5 == 0 {
			data = append(data, bytes.Repeat([]byte("x"), gen)...)
		}
		writeFile(t, root, rel, data)
		v[rel] = hashOf(data)
	}
	return v
}

// largeFile writes size bytes of pseudo-random data (the same for the same
// seed) to root/rel, a piece at a time, and returns its content hash.
func largeFile(t testing.TB, root, rel string, size int64, seed uint64) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	h := contenthash.New()
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		piece := buf[:min(int64(len(buf)), left)]
		rng.Read(piece)
		h.Write(piece)
		if _, err := f.Write(piece); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return h.HexDigest()
}

func writeFile(t testing.TB, root, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hashOf returns Dropbox's content hash of data.
func hashOf(data []byte) string {
	h := contenthash.New()
	h.Write(data)
	return h.HexDigest()
}

// MiB is a mebibyte.
const MiB = 1 << 20
