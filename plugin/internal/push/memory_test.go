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
// it runs, and puts it back once no such push is under way; a GOGC of the
// user's is left. gcTight lowers it once a count reaches manyFiles.
func TestTightenGC(t *testing.T) {
	t.Setenv("GOGC", "")
	was := gcNow()
	outer := tightenGC()
	inner := tightenGC()
	if got := gcNow(); got != gcPercent {
		t.Errorf("during a push the percent is %d, want %d", got, gcPercent)
	}
	inner()
	if got := gcNow(); got != gcPercent {
		t.Errorf("with one push of many files still under way the percent is %d, want %d", got, gcPercent)
	}
	outer()
	if got := gcNow(); got != was {
		t.Errorf("after the pushes the percent is %d, want %d back", got, was)
	}
	g := &gcTight{}
	g.count(manyFiles - 1)
	if got := gcNow(); got != was {
		t.Errorf("with %d files or entries the percent is %d, want %d", manyFiles-1, got, was)
	}
	g.count(manyFiles)
	g.count(manyFiles * 2)
	if got := gcNow(); got != gcPercent {
		t.Errorf("with %d entries listed the percent is %d, want %d", manyFiles, got, gcPercent)
	}
	g.undo()
	g.count(manyFiles)
	if got := gcNow(); got != was {
		t.Errorf("after undo the percent is %d, want %d back", got, was)
	}
	var none *gcTight
	none.count(manyFiles)
	none.undo()
	t.Setenv("GOGC", "300")
	restore := tightenGC()
	if got := gcNow(); got != was {
		t.Errorf("a push with GOGC set changed the percent to %d", got)
	}
	restore()
}
