package transfer

import (
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

func itemsOfSizes(sizes []int64) []*plan.Item {
	var out []*plan.Item
	for _, n := range sizes {
		out = append(out, &plan.Item{File: &local.File{Size: n}})
	}
	return out
}
