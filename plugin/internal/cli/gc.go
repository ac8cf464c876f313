package cli

import "runtime/debug"

// GCPercent is the garbage collector's target that TuneGC sets: the heap
// may grow by half its live data between collections, not by all of it
// (Go's default, 100). A push holds a small record for every file, so its
// peak memory is mostly live data plus that headroom: a first push of
// 100,000 tiny files peaked at 174 MiB with 100 and 146 MiB with 50, an
// unchanged re-run at 145 and 117 MiB, for the same CPU time within the
// noise (make bench's scale line; docs/performance.md).
const GCPercent = 50

// TuneGC sets the garbage collector's target to GCPercent, unless the
// person set GOGC (which then wins, as Go documents it).
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
