package transfer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// TestInFlightBound: small files' packs and large files' chunks, sent
// together, never hold more file data in memory than Options.InFlight, and
// every file lands whole.
func TestInFlightBound(t *testing.T) {
	srv, c := strictEmulatorWith(t, emulator.Options{})
	dir := t.TempDir()
	p := &plan.Plan{Dest: "/dest"}
	add := func(name string, size, seed int) {
		data := bytes.Repeat([]byte{byte(seed), byte(seed >> 8), 7}, size/3+1)[:size]
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f := &local.File{Rel: name, Path: path, Size: int64(size), ModTime: time.Unix(1700000000, 0)}
		p.Items = append(p.Items, &plan.Item{File: f, Dest: "/dest/" + name, Action: plan.Upload})
	}
	for i := range 60 {
		add(fmt.Sprintf("small%02d.csv", i), 5<<10+i*400, i)
	}
	for i := range 6 {
		add(fmt.Sprintf("large%d.bin", i), 120<<10+i*25<<10, 100+i)
	}
	const bound = 256 << 10
	var mu sync.Mutex
	var most int64
	o := Options{InFlight: bound, PackBytes: 64 << 10, LargeFrom: 100 << 10, Rounds: 1,
		inFlightHook: func(held int64) {
			mu.Lock()
			most = max(most, held)
			mu.Unlock()
		}}
	res, _, err := Upload(context.Background(), c, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if most > bound || most == 0 {
		t.Errorf("at most %d bytes of file data held at once, want at most %d (and some)", most, bound)
	}
	for _, r := range res {
		want, _ := os.ReadFile(r.Item.File.Path)
		if _, got, err := srv.File(r.Item.Dest); r.Err != nil || !r.Committed || err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: committed %v (%v); on Dropbox %d bytes (%v), want %d", r.Item.Dest, r.Committed, r.Err, len(got), err, len(want))
		}
	}
}
