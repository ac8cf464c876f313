package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// onlyFiles fails unless dir holds exactly the given names (no temporaries).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %q, want %q", got, names)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	if err := WriteFile(path, []byte("hello\n"), 0o600, false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "hello\n" {
		t.Errorf("content %q", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "k.key")
}

func TestWriteFileRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, []byte("new"), 0o600, false)
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.Local {
		t.Fatalf("err = %v, want an exit.Local error", err)
	}
	if e.What != strconv.Quote(path)+" already exists" || e.Fix != "pass --force to replace it" {
		t.Errorf("err = %q", err)
	}
	if got := readFile(t, path); got != "old" {
		t.Errorf("existing file changed to %q", got)
	}
	onlyFiles(t, dir, "k.key")
	if aerr := Absent(path); aerr == nil || aerr.Error() != err.Error() {
		t.Errorf("Absent = %v, want %v", aerr, err)
	}
	if aerr := Absent(filepath.Join(dir, "other")); aerr != nil {
		t.Errorf("Absent of a free name = %v", aerr)
	}
}

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o640, true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "new" {
		t.Errorf("content %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "k.key")
}

func TestStreamAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name() != path {
		t.Errorf("Name = %q", f.Name())
	}
	if _, err := f.Write([]byte("half a file")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something is at the final path before Commit: %v", err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, dir)
	if err := f.Commit(true); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	onlyFiles(t, dir)
}

func TestStreamCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	for _, s := range []string{"a,b\n", "1,2\n"} {
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Commit(false); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := f.Write([]byte("more")); err == nil {
		t.Error("Write after Commit succeeded")
	}
	if got := readFile(t, path); got != "a,b\n1,2\n" {
		t.Errorf("content %q", got)
	}
	onlyFiles(t, dir, "out.csv")
}

func TestMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "k.key")
	err := WriteFile(path, []byte("x"), 0o600, false)
	if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "cannot write "+strconv.Quote(path)) {
		t.Errorf("err = %v", err)
	}
}

func TestReplaceDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, replace := range []bool{false, true} {
		if err := WriteFile(path, []byte("x"), 0o600, replace); exit.CodeOf(err) != exit.Local {
			t.Errorf("replace=%v: err = %v, want a Local error", replace, err)
		}
	}
	onlyFiles(t, dir, "sub")
}

// TestOneWinner checks that of many writers racing to create the same file
// without replacing, exactly one succeeds and its content is whole.
func TestOneWinner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = WriteFile(path, []byte(strings.Repeat(string(rune('a'+i)), 1000)), 0o600, false)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !strings.Contains(err.Error(), "already exists"):
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers succeeded, want 1", won)
	}
	if got := readFile(t, path); len(got) != 1000 || strings.Count(got, got[:1]) != 1000 {
		t.Errorf("content is mixed: %.20q…", got)
	}
	onlyFiles(t, dir, "k.key")
}
