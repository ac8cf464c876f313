package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/internal/emulator/interop"
)

// TestStreamlitRecipe runs the README's Streamlit recipe
// (internal/emulator/interop/python/streamlit_recipe.py, shown whole in the README) the way
// a dashboard would, without Streamlit: dropbox-post pushes results, makes
// a read-only credential with an app key and secret ('auth --read-only'),
// and exports it with 'secrets export --format streamlit'; the recipe reads that [dropbox]
// section (tomllib, as Streamlit reads secrets.toml), builds the client
// with oauth2_refresh_token, app_key and app_secret, lets the SDK refresh
// by itself, and downloads what push posted.
func TestStreamlitRecipe(t *testing.T) {
	recipe := interop.PythonScript(t, "streamlit_recipe.py")
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```python\n"+string(recipe)+"```\n") {
		t.Errorf("README.md does not show internal/emulator/interop/python/streamlit_recipe.py as it is: copy the file into its python block")
	}

	e := interop.StartTLS(t, emulator.Options{})
	base, err := e.Start("127.0.0.1:0") // the same emulator, over plain HTTP for dropbox-post
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	files := map[string][]byte{
		"summary.csv":         []byte("metric,value\nndcg,0.31\n"),
		"exp00000/result.txt": []byte("fold 1\n"),
		"exp00001/big.bin":    bigData(9<<20 + 3), // a large file: pushed in chunks
	}
	for name, data := range files {
		write(t, filepath.Join(results, filepath.FromSlash(name)), data)
	}
	// The study posts with its own credential; the dashboard gets a
	// read-only one.
	key := filepath.Join(dir, "keys", "dropbox.enc")
	dashboard := filepath.Join(dir, "keys", "dashboard.enc")
	if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
		t.Fatal(err)
	}
	c := cliEnv{t: t, vars: map[string]string{"DROPBOX_API_URL": base}}
	c.auth("--app-key", interop.AppKey, "--encrypted", key, "-k", "pw")
	c.run("push", "--encrypted_key", key, "-k", "pw", "--no-manifest", results, "/studies/movielens")
	c.auth("--read-only", "--app-key", interop.AppKey, "--app-secret", interop.AppSecret, "--encrypted", dashboard, "-k", "pw")
	secrets := c.run("secrets", "export", "--encrypted_key", dashboard, "-k", "pw", "--format", "streamlit")
	if !strings.Contains(secrets, "app_secret = ") || !strings.Contains(secrets, "refresh_token = ") {
		t.Fatalf("secrets export wrote no refresh credential with a secret")
	}
	toml := filepath.Join(dir, ".streamlit", "secrets.toml")
	write(t, toml, []byte("[other]\nx = 1\n\n"+secrets))

	before := e.Stats().Routes["oauth2/token"].Statuses["200"]
	out := e.RunPython(t, nil, "run_recipe.py", toml, "/studies/movielens")
	var got map[string][2]any
	if err := json.Unmarshal([]byte(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &got); err != nil {
		t.Fatalf("run_recipe.py output: %v", err)
	}
	if len(got) != len(files) {
		t.Errorf("the recipe downloaded %d files, want %d: %v", len(got), len(files), got)
	}
	for name, data := range files {
		sum := sha256.Sum256(data)
		g, ok := got["/studies/movielens/"+name]
		if !ok || g[0] != float64(len(data)) || g[1] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: got %v, want %d bytes with sha256 %x", name, g, len(data), sum)
		}
	}
	if after := e.Stats().Routes["oauth2/token"].Statuses["200"]; after != before+1 {
		t.Errorf("the SDK refreshed %d times, want once (by itself, from the refresh token)", after-before)
	}
}
