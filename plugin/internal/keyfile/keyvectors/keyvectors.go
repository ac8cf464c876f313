// Package keyvectors holds the key-file test vectors, for the tests of
// every package that reads key files, through embed rather than paths into
// another package's folder:
//
//   - librec-auto-legacy/: files written by librec-auto's own encrypt.py,
//     copied unchanged from the project's shared vectors
//     (/work/shared/vectors/librec-auto-legacy, their source);
//   - v1/: files of dropbox-post's own format, written by package keyfile's
//     generator (go test ./plugin/internal/keyfile -run TestV1VectorsAreGenerated -update).
//
// Each folder's index.json says what every file must give.
package keyvectors

import (
	"embed"
	"os"
	"testing"
)

// FS holds librec-auto-legacy/ and v1/.
//
//go:embed librec-auto-legacy v1
var FS embed.FS

// Dir writes the vectors into a folder of the test's and returns it, for
// code that reads key files by path: Dir(t)/librec-auto-legacy/… and
// Dir(t)/v1/….
func Dir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, FS); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Read returns one vector file, named by its path in FS
// ("librec-auto-legacy/01-typical.enc").
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
