package blocks

import (
	"math/rand/v2"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// TestHashAgreesWithTheEmulator compares Hash with the emulator's own
// content hash (package store, written apart from this package) on random
// data around the 4 MiB block boundaries, so that a mistake in one is not
// shared by the fake Dropbox and the client it tests.
func TestHashAgreesWithTheEmulator(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const block = store.HashBlockSize
	sizes := []int{0, 1, 2, 4095, block - 1, block, block + 1, 3*block - 7, 3 * block}
	for range 6 {
		sizes = append(sizes, rng.IntN(5*block))
	}
	for _, size := range sizes {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if got, want := Hash(data), store.ContentHash(data); got != want {
			t.Errorf("%d bytes: Hash %s, the emulator %s", size, got, want)
		}
	}
}
