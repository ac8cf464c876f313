// Package heaptest measures what a value keeps alive on the heap, for the
// tests that bound the memory a push keeps a file. It is imported by tests
// only.
package heaptest

import (
	"runtime"
	"testing"
)

// tries is how many times PerItem measures before it gives up.
const tries = 5

// PerItem returns the bytes a file, of n, that what build returns keeps
// alive (the live heap after a collection with it, less the live heap
// before), and that value.
//
// Between the two collections other goroutines may let memory go (an
// earlier test's servers ending, a sync.Pool's victims freed by the
// second collection of two), which makes the difference smaller than
// what build keeps, or below zero. A difference below zero is such noise,
// never a measure: the value is built and measured again, a few times at
// most, and the test fails if every try was noise. (Read as unsigned, a
// difference below zero once passed for 922 TB a file on a busy machine.)
func PerItem[T any](t testing.TB, n int, build func() T) (float64, T) {
	t.Helper()
	for range tries {
		before := liveHeap()
		v := build()
		after := liveHeap()
		runtime.KeepAlive(v)
		if after >= before {
			return float64(after-before) / float64(n), v
		}
	}
	t.Fatalf("the live heap shrank while it was measured, each of %d times: nothing could be measured", tries)
	panic("unreachable")
}

// liveHeap returns the bytes of live heap objects, after two collections
// (the second frees what sync.Pools kept from the first).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
