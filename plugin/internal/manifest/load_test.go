package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"not-json.json": "{",
		"version.json":  `{"manifest_version": 99, "dest": "/demo", "files": []}`,
		"dest.json":     `{"manifest_version": 1, "dest": "demo", "files": []}`,
		"outside.json":  `{"manifest_version": 1, "dest": "/demo", "files": [{"dropbox": "/elsewhere/a"}]}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		if _, err := Load(p); exit.CodeOf(err) != exit.Usage {
			t.Errorf("%s: %v (code %d), want a usage error", name, err, exit.CodeOf(err))
		}
	}
	if _, err := Load(dir); exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.json")); exit.CodeOf(err) != exit.Local {
		t.Errorf("missing: %v", err)
	}
}
