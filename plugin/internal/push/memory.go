package push

import (
	"os"
	"runtime/debug"
	"sync"
)

// A push of many files keeps a few hundred bytes of records a file alive
// from the scan to the report (the file, its listing entry, its plan item,
// its result), while the garbage it makes a file (requests, answers) is
// short-lived. Go's collector lets the heap grow to twice what is alive
// (GOGC=100) before it collects: for a million files, half a gigabyte more
// than needed. A push lets it grow by half (gcPercent) instead, which costs
// about a tenth more CPU time at 100,000 files and nothing measurable for
// a few. It does so from its start: Dropbox is listed while the folder is
// scanned, so the records of both grow before the number of files is
// known (lowered after the scan, the percent let an unchanged re-run of
// 200,000 files peak at 225 MiB instead of 192). A GOGC set in the
// environment is left alone.
const gcPercent = 50

var gc struct {
	mu    sync.Mutex
	users int // pushes under way
	old   int // the percent before the first of them
}

// tightenGC lowers the collector's percent for a push; the function it
// returns puts it back once no push is under way.
func tightenGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
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
