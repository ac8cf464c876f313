package keyfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vector is an entry of a keyvectors/*/index.json.
type vector struct {
	File      string `json:"file"`
	Password  string `json:"password"`
	Expect    string `json:"expect"`              // "ok" or "error"
	Plaintext string `json:"plaintext,omitempty"` // what the file decrypts to
	Token     string `json:"token,omitempty"`     // the access token, for access-token files
	Error     string `json:"error,omitempty"`     // v1: "wrong-password", "damaged" or "foreign"
	Note      string `json:"note,omitempty"`      // v1: what the file is
}

// readIndex reads dir/index.json.
func readIndex(t testing.TB, dir string) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s/index.json lists no vectors", dir)
	}
	return vs
}

// errorKinds maps the index's error names to the kinds Open returns.
var errorKinds = map[string]error{
	"wrong-password": ErrWrongPassword,
	"damaged":        ErrDamaged,
	"foreign":        ErrForeign,
	"empty":          ErrEmpty,
}
