package remote

import (
	"testing"
	"time"
	"unsafe"
)

// A listing holds an Entry a file, a million for a large study: its size
// is kept small (two time.Time made it 120 bytes).
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(Entry{}); n > 80 {
		t.Errorf("an Entry takes %d bytes, want at most 80", n)
	}
}

func TestStamp(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 12, 5, 9, 30, 1, 0, time.UTC),
		time.Unix(0, 0).UTC(), // 1970 is a time, not none
		time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC),
	} {
		s := StampOf(tm)
		if s.IsZero() || !s.Time().Equal(tm) || s.Time().Location() != time.UTC {
			t.Errorf("StampOf(%v).Time() = %v (zero %t)", tm, s.Time(), s.IsZero())
		}
	}
	if s := StampOf(time.Date(2026, 1, 2, 3, 4, 5, 999_999_999, time.FixedZone("x", 3600))); !s.Time().Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Errorf("a time with a fraction and a zone: %v", s.Time())
	}
	if s := StampOf(time.Time{}); !s.IsZero() || !s.Time().IsZero() {
		t.Errorf("the zero time: %v", s.Time())
	}
	var e Entry
	if !e.Modified.IsZero() || !e.Server.IsZero() {
		t.Error("an Entry's times are not zero to begin with")
	}
}
