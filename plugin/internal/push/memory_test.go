package push

import (
	"runtime/debug"
	"testing"
)

// gcNow returns the collector's percent.
func gcNow() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestTightenGC: a push of many files lowers the collector's percent while
// it runs, and puts it back; a few files, or a GOGC of the user's, leave it.
func TestTightenGC(t *testing.T) {
	t.Setenv("GOGC", "")
	was := gcNow()
	outer := tightenGC(manyFiles)
	inner := tightenGC(manyFiles * 2)
	if got := gcNow(); got != gcPercent {
		t.Errorf("during a push of %d files the percent is %d, want %d", manyFiles, got, gcPercent)
	}
	inner()
	if got := gcNow(); got != gcPercent {
		t.Errorf("with one push of many files still under way the percent is %d, want %d", got, gcPercent)
	}
	outer()
	if got := gcNow(); got != was {
		t.Errorf("after the pushes the percent is %d, want %d back", got, was)
	}
	tightenGC(manyFiles - 1)()
	t.Setenv("GOGC", "300")
	restore := tightenGC(manyFiles)
	if got := gcNow(); got != was {
		t.Errorf("a push of few files, or with GOGC set, changed the percent to %d", got)
	}
	restore()
}
