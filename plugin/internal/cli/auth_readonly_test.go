package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
)

// auth --read-only asks for read scopes only, records what Dropbox granted,
// and makes a credential that reads but cannot write; secrets export warns
// about a credential that can write, not about this one.
func TestAuthReadOnly(t *testing.T) {
	_, base := authEmulator(t, emulator.Options{Apps: []emulator.App{{Key: "app-key-ro"}}})
	dir := t.TempDir()
	key := filepath.Join(dir, "dashboard.enc")
	s := startAuth(t, "--app-key", "app-key-ro", "--encrypted", key, "-k", "pw", "--api-url", base, "--read-only", "--share")
	u := s.authorizeURL()
	if strings.Contains(u, ".write") || !strings.Contains(u, "files.content.read") || !strings.Contains(u, "sharing.read") {
		t.Errorf("authorize URL asks for other scopes than read ones: %s", u)
	}
	code, status := approve(t, u)
	if code == "" {
		t.Fatalf("no code (status %d)", status)
	}
	if rc, out := s.finish(code); rc != 0 {
		t.Fatalf("exit %d\n%s%s", rc, out, s.stderr.String())
	}
	c, _, err := keyfile.Load(key, "pw")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"account_info.read", "files.metadata.read", "files.content.read", "sharing.read"}
	if got := c.Scopes(); !slices.Equal(got, want) {
		t.Errorf("recorded scopes %v, want %v", got, want)
	}

	vars := map[string]string{"DROPBOX_API_URL": base}
	rc, _, stderr := authCLI(vars, "", "secrets", "export", "--encrypted_key", key, "-k", "pw")
	if rc != 0 || strings.Contains(stderr, "can write") || strings.Contains(stderr, "not recorded") {
		t.Errorf("export of a read-only credential: exit %d, stderr %s", rc, stderr)
	}

	// It cannot write: push fails with a missing scope (exit 7).
	local := filepath.Join(dir, "r.txt")
	os.WriteFile(local, []byte("x"), 0o644)
	rc, _, stderr = authCLI(vars, "", "push", "--encrypted_key", key, "-k", "pw", local, "/studies")
	if rc != 7 || !strings.Contains(stderr, "files.content.write") {
		t.Errorf("push with a read-only credential: exit %d, want 7 naming files.content.write; stderr %s", rc, stderr)
	}

	// The default credential can write, and export says so.
	key2 := filepath.Join(dir, "writer.enc")
	s = startAuth(t, "--app-key", "app-key-ro", "--encrypted", key2, "-k", "pw", "--api-url", base)
	code, _ = approve(t, s.authorizeURL())
	if rc, out := s.finish(code); rc != 0 {
		t.Fatalf("exit %d\n%s%s", rc, out, s.stderr.String())
	}
	rc, _, stderr = authCLI(vars, "", "secrets", "export", "--encrypted_key", key2, "-k", "pw")
	if rc != 0 || !strings.Contains(stderr, "this credential can write to Dropbox") || !strings.Contains(stderr, "auth --read-only") {
		t.Errorf("export of a credential that writes: exit %d, stderr %s", rc, stderr)
	}
}
