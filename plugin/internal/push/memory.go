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
// than needed. From manyFiles files on, a push lets it grow by half
// (gcPercent) instead, which costs about a tenth more CPU time; a GOGC set
// in the environment is left alone. Dropbox is listed while the folder is
// scanned, and the records of both grow at once: the percent is lowered
// as soon as either the scan or the listing holds manyFiles (gcTight).
// Lowered only after the scan, it let an unchanged re-run of 200,000
// files peak at 225 MiB instead of 192; lowered for every push, it cost
// the test suite's many small pushes a sixth more time.
const (
	manyFiles = 20000
	gcPercent = 50
)

var gc struct {
	mu    sync.Mutex
	users int // pushes of many files under way
	old   int // the percent before the first of them
}

// tightenGC lowers the collector's percent for a push of many files; the
// function it returns puts it back once no such push is under way.
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

// gcTight lowers the collector's percent for one push, once, when its
// scan or its listing first holds manyFiles; undo puts it back. Its
// methods may be called from the listing's goroutine, and on a nil
// *gcTight (nothing is done).
type gcTight struct {
	once    sync.Once
	restore func()
}

// count lowers the percent if n, files or entries, is manyFiles or more.
func (g *gcTight) count(n int64) {
	if g != nil && n >= manyFiles {
		g.once.Do(func() { g.restore = tightenGC() })
	}
}

// undo puts the percent back if count lowered it; count does nothing
// after it.
func (g *gcTight) undo() {
	if g == nil {
		return
	}
	g.once.Do(func() {})
	if g.restore != nil {
		g.restore()
	}
}
