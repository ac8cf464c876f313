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

// TestTightenGC: a push lowers the collector's percent while it runs, and
// puts it back once no push is under way; a GOGC of the user's is left.
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
		t.Errorf("with one push still under way the percent is %d, want %d", got, gcPercent)
	}
	outer()
	if got := gcNow(); got != was {
		t.Errorf("after the pushes the percent is %d, want %d back", got, was)
	}
	t.Setenv("GOGC", "300")
	restore := tightenGC()
	if got := gcNow(); got != was {
		t.Errorf("a push with GOGC set changed the percent to %d", got)
	}
	restore()
}
