package blocks

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

// TestJoinedChunksMatchContentHash hashes data in chunks of whole blocks,
// joins them, and checks chunks and whole against the SDK's contenthash.
func TestJoinedChunksMatchContentHash(t *testing.T) {
	const block = contenthash.BlockSize
	for _, size := range []int{0, 1, block - 1, block, 2 * block, 2*block + 5, 7*block + 1} {
		data := make([]byte, size)
		rand.Read(data)
		var all []Digest
		for off := 0; off < size; off += 2 * block {
			chunk := data[off:min(off+2*block, size)]
			d := Digests(chunk)
			if want, _ := contenthash.Compute(bytes.NewReader(chunk)); Join(d) != want {
				t.Fatalf("size %d, chunk at %d: %s, want %s", size, off, Join(d), want)
			}
			all = append(all, d...)
		}
		want, _ := contenthash.Compute(bytes.NewReader(data))
		if Join(all) != want || Hash(data) != want {
			t.Fatalf("size %d: %s / %s, want %s", size, Join(all), Hash(data), want)
		}
	}
}
