package push

import (
	"os"
	"runtime/debug"
	"sync"
)

// A push of many files keeps a few hundred bytes of records a file alive
// from the scan to the report (the file, its plan item, its result), while
// the garbage it makes a file (requests, answers) is short-lived. Go's
// collector lets the heap grow to twice what is alive (GOGC=100) before it
// collects: for a million files, half a gigabyte more than needed. From
// manyFiles files on, a push lets it grow by half (gcPercent) instead,
// which costs about a tenth more CPU time; a GOGC set in the environment
// is left alone.
const (
	manyFiles = 20000
	gcPercent = 50
)

var gc struct {
	mu    sync.Mutex
	users int // pushes of many files under way
	old   int // the percent before the first of them
}

// tightenGC lowers the collector's percent for a push of n files, when
// they are many; the function it returns puts it back once no such push
// is under way.
func tightenGC(n int) (restore func()) {
	if n < manyFiles || os.Getenv("GOGC") != "" {
		return func() {}
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.users++; gc.users == 1 {
		gc.old = debug.SetGCPercent(gcPercent)
	}
	return func() {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		if gc.users--; gc.users == 0 {
			debug.SetGCPercent(gc.old)
		}
	}
}
