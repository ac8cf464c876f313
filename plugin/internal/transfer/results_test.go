package transfer

import (
	"fmt"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/heaptest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// TestResultsMemory holds the results of 20,000 files to send and checks
// what they keep alive a file: the Result itself, nothing beside it (a map
// from item to result cost more than the Result did). A million-file push
// keeps them all until it reports.
func TestResultsMemory(t *testing.T) {
	const n = 20000
	p := &plan.Plan{Items: make([]*plan.Item, n)}
	for i := range p.Items {
		p.Items[i] = &plan.Item{File: &local.File{Rel: fmt.Sprintf("exp%05d/out-%06d.csv", i%7, i)}, Action: plan.Upload}
	}
	perFile, rs := heaptest.PerItem(t, n, func() *results { return newResults(p) })
	if limit := 80.0; perFile > limit { // a Result is 64 bytes
		t.Errorf("the results of %d files keep %.0f bytes a file alive; want at most %.0f", n, perFile, limit)
	}
	for _, it := range p.Items[:100] {
		if r := rs.of(it); r.Item != it {
			t.Fatalf("of(%q) found the result of %q", it.File.Rel, r.Item.File.Rel)
		}
	}
}

// TestResultsOfUnsortedPlan finds each item's result in a plan whose
// items do not come sorted by local path, one path twice among them.
func TestResultsOfUnsortedPlan(t *testing.T) {
	var items []*plan.Item
	for _, rel := range []string{"c", "a", "b", "a", "d/e"} {
		items = append(items, &plan.Item{File: &local.File{Rel: rel}, Action: plan.Upload})
	}
	items = append(items, &plan.Item{File: &local.File{Rel: "z"}, Action: plan.Unchanged})
	rs := newResults(&plan.Plan{Items: items})
	if len(rs.list) != 5 {
		t.Fatalf("%d results, want 5", len(rs.list))
	}
	for i, it := range items[:5] {
		if r := rs.of(it); r != &rs.list[i] {
			t.Errorf("of(items[%d] %q) is not its result", i, it.File.Rel)
		}
	}
}
