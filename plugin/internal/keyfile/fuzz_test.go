package keyfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addVectors seeds a fuzz target with every vector file and its password.
func addVectors(f *testing.F, add func(data []byte, password string)) {
	for _, dir := range []string{legacyDir, v1Dir} {
		for _, v := range readIndex(f, dir) {
			data, err := os.ReadFile(filepath.Join(dir, v.File))
			if err != nil {
				f.Fatal(err)
			}
			add(data, v.Password)
		}
	}
}

// checkError fails unless err is one of the package's kinds.
func checkError(t *testing.T, err error) {
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error of an unknown kind: %v", err)
	}
	for _, k := range []error{ErrEmpty, ErrForeign, ErrDamaged, ErrWrongPassword} {
		if e.Kind == k {
			return
		}
	}
	t.Fatalf("error kind %v is none of the package's", e.Kind)
}

// FuzzInspect: the parsers never panic, and refuse with a known kind.
func FuzzInspect(f *testing.F) {
	addVectors(f, func(data []byte, _ string) { f.Add(data) })
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Inspect(data); err != nil {
			checkError(t, err)
		}
	})
}

// FuzzOpen: Open never panics; what it accepts, Inspect accepts alike, and
// a success holds a credential. Files asking for more work than the default
// are only inspected, so that the fuzzer spends its time on the parser.
func FuzzOpen(f *testing.F) {
	addVectors(f, func(data []byte, password string) { f.Add(data, password) })
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		info, ierr := Inspect(data)
		if ierr == nil && info.Format == V1 &&
			uint64(info.KDF.Time)*uint64(info.KDF.MemoryKiB) > uint64(DefaultParams.Time)*uint64(DefaultParams.MemoryKiB) {
			return
		}
		c, oinfo, err := Open(data, password)
		if err != nil {
			checkError(t, err)
			if ierr == nil && errors.Is(err, ErrForeign) {
				t.Fatalf("Inspect accepted what Open calls foreign")
			}
			return
		}
		if ierr != nil || oinfo != info {
			t.Fatalf("Open accepted what Inspect refused (%v), or described it otherwise", ierr)
		}
		if c.IsZero() {
			t.Fatal("Open succeeded without a credential")
		}
	})
}
