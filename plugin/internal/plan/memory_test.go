package plan

import (
	"fmt"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/heaptest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// TestPlanMemory plans 20,000 new files and checks what the plan keeps
// alive a file beside the scanned files: its item (64 bytes), the item's
// Dropbox path (50 bytes here, in a 64-byte block when it is made no
// larger than it is), the list's pointer, and nothing else: 128 bytes; it
// was 161. A million-file push keeps them all until it reports.
func TestPlanMemory(t *testing.T) {
	const n = 20000
	tr := &local.Tree{IsDir: true, Files: make([]*local.File, n)}
	for i := range tr.Files {
		tr.Files[i] = &local.File{Rel: fmt.Sprintf("exp%05d/fold-%d/out-%06d.csv", i%1000, i%5, i), Size: 64}
	}
	held := map[string]remote.Entry{}
	perFile, p := heaptest.PerItem(t, n, func() *Plan { return Make(tr, "/results/study-2026", held, Overwrite) })
	if limit := 150.0; perFile > limit {
		t.Errorf("the plan of %d files keeps %.0f bytes a file alive; want at most %.0f", n, perFile, limit)
	}
	if got := p.Count(Upload); got != n {
		t.Fatalf("%d files to upload, want %d", got, n)
	}
}
