package store

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

// TestHasherInPieces writes data to a Hasher in pieces of random sizes
// and compares the result with ContentHash and with the SDK's contenthash.
func TestHasherInPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 1, HashBlockSize - 1, HashBlockSize, HashBlockSize + 1, 2 * HashBlockSize, 2*HashBlockSize + 333} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		h := NewHasher()
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(3<<20))
			h.Write(rest[:k])
			rest = rest[k:]
		}
		sdk, _ := contenthash.Compute(bytes.NewReader(data))
		if got := h.HexDigest(); got != ContentHash(data) || got != sdk {
			t.Errorf("%d bytes: Hasher %s, ContentHash %s, the SDK %s", size, got, ContentHash(data), sdk)
		}
	}
	if EmptyHash != ContentHash(nil) {
		t.Errorf("EmptyHash is %s, ContentHash(nil) %s", EmptyHash, ContentHash(nil))
	}
}
