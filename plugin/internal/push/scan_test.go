package push

import (
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

func mustScan(t *testing.T, root string) *local.Tree {
	t.Helper()
	tree, err := local.Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
