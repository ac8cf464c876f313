package push

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// A file removed between the scan and its upload is reported as vanished
// since the scan, not as a network problem; the others are posted.
func TestVanishedFileIsSaidSo(t *testing.T) {
	root := study(t, map[string][]byte{"a.csv": []byte("1"), "gone.csv": []byte("2"), "big/gone.bin": make([]byte, 9<<20)})
	var once sync.Once
	hook := func(e emulator.Event) {
		if e.Phase == emulator.BeforeWork && strings.HasPrefix(e.Route, "files/") {
			once.Do(func() {
				os.Remove(filepath.Join(root, "gone.csv"))
				os.Remove(filepath.Join(root, "big", "gone.bin"))
			})
		}
	}
	_, c := startEmulator(t, emulator.Options{Hook: hook})
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/d"})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if sum.Uploaded != 1 || sum.Failed != 2 {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range sum.Failures {
		if !strings.Contains(f.Error, "vanished since the scan") || !strings.Contains(f.Error, "run again") || strings.Contains(f.Error, "network") {
			t.Errorf("%s: %q", f.Local, f.Error)
		}
	}
}
