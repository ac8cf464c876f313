package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A token endpoint that answers the code exchange without the refresh
// token asked for is a server that is not Dropbox (exit 11), not a bug of
// this program, and no key file is written.
func TestAuthWithoutRefreshToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"sl.no-refresh-here","token_type":"bearer","expires_in":14400}`)
	}))
	defer srv.Close()
	key := filepath.Join(t.TempDir(), "dropbox.enc")
	code, _, stderr := authCLI(map[string]string{"DROPBOX_API_URL": srv.URL}, "the-code\n", "auth", "--app-key", "app-key-1", "--encrypted", key, "-k", "pw")
	if code != 11 || !strings.Contains(stderr, "the answer held no refresh token") || strings.Contains(stderr, "a bug") {
		t.Errorf("exit %d; stderr: %s", code, stderr)
	}
	if _, err := os.Stat(key); err == nil {
		t.Error("a key file was written")
	}
}
