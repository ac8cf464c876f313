package heaptest

import "testing"

// held is memory that a first build lets go, as another goroutine might
// while the heap is measured.
var held []byte

// A measure that the heap shrinking between its two collections made
// below zero is taken again, not read as a huge size; the next one
// measures what build keeps.
func TestPerItemMeasuresAgainAfterNoise(t *testing.T) {
	const n = 10000
	held = make([]byte, 64<<20)
	builds := 0
	perItem, v := PerItem(t, n, func() [][64]byte {
		builds++
		held = nil // 64 MiB let go: this try's difference is below zero
		return make([][64]byte, n)
	})
	if builds != 2 {
		t.Errorf("built %d times, want 2 (the noisy try and one more)", builds)
	}
	if len(v) != n || perItem < 64 || perItem > 80 {
		t.Errorf("%.1f bytes an item for %d items of 64 bytes", perItem, len(v))
	}
}
