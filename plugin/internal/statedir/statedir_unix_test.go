//go:build unix

package statedir

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
)

// A named pipe is refused without waiting for a writer.
func TestReadFileRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	mustDo(t, syscall.Mkfifo(filepath.Join(dir, "p.json"), 0o600))
	var nr *regularfile.NotRegularError
	if _, err := At(dir, 0o700).ReadFile("p.json", 1<<20); !errors.As(err, &nr) {
		t.Errorf("reading a FIFO: %v", err)
	}
}
