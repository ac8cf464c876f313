package push

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
)

// holdPhase is a progress output that, when a phase line holding phase is
// written, waits until release is closed (or a minute, the guard of a
// test that would otherwise hang), and records whether it was.
type holdPhase struct {
	phase    []byte
	release  <-chan struct{}
	mu       sync.Mutex
	held     int
	released int
}

func (h *holdPhase) Write(b []byte) (int, error) {
	if bytes.Contains(b, h.phase) {
		ok := false
		select {
		case <-h.release:
			ok = true
		case <-time.After(time.Minute):
		}
		h.mu.Lock()
		h.held++
		if ok {
			h.released++
		}
		h.mu.Unlock()
	}
	return len(b), nil
}

// Dropbox is listed while the local folder is scanned: the scan (held at
// its first line until list_folder has reached Dropbox) does not come
// first. The pages that arrive before the scan ends are used all the
// same: the re-run finds every file unchanged.
func TestListedWhileScanning(t *testing.T) {
	var mu sync.Mutex
	var listed chan struct{}
	_, c := startEmulator(t, emulator.Options{Hook: func(e emulator.Event) {
		if e.Route == "files/list_folder" && e.Phase == emulator.AfterWork {
			mu.Lock()
			defer mu.Unlock()
			if listed != nil {
				close(listed)
				listed = nil
			}
		}
	}})
	root := study(t, sized(30, 100, 0))
	for run := range 2 {
		release := make(chan struct{})
		mu.Lock()
		listed = release
		mu.Unlock()
		out := &holdPhase{phase: []byte("scanning"), release: release}
		meter := progress.New(out, progress.Options{Manual: true})
		sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/s", Progress: meter})
		meter.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.held != 1 || out.released != 1 {
			t.Fatalf("run %d: the scan began %d time(s), %d of them while Dropbox was listed; want once, while listed", run+1, out.held, out.released)
		}
		if want := []int{30, 0}[run]; sum.Uploaded != want || sum.Unchanged != 30-want {
			t.Errorf("run %d: %d uploaded, %d unchanged; want %d uploaded", run+1, sum.Uploaded, sum.Unchanged, want)
		}
	}
}
