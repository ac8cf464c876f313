package emulator_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/internal/emulator/interop"
)

// The official Dropbox Python SDK as a third client (after the Go and
// JavaScript SDKs): its generated Stone validators check lengths, patterns
// and required fields of every answer, which the Go and JavaScript SDKs do
// not. Package interop finds the SDK and serves the emulator over HTTPS
// for it.

// TestPythonSDKInterop runs interop/python/interop.py: every route the
// emulator serves, driven through the official Python SDK, with errors,
// OAuth (PKCE, secret, refresh, revoke), sharing and listing resets.
func TestPythonSDKInterop(t *testing.T) {
	rec := &interop.Recorder{}
	e := interop.StartTLS(t, emulator.Options{Record: rec.Add})
	out := e.RunPython(t, nil, "interop.py")
	if !strings.Contains(out, "python interop: 12 passed, 0 failed") {
		t.Fatalf("not every check ran and passed")
	}
	// Every route of the emulator was called, and each got an answer.
	var missed []string
	for name, rs := range e.Stats().Routes {
		if name == "unknown" || strings.HasPrefix(name, "oauth2/") {
			continue
		}
		if rs.Requests == 0 || !strings.Contains(out, " "+name) {
			missed = append(missed, name)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("routes the Python SDK did not drive: %v", missed)
	}
	if n := e.Stats().Routes["oauth2/token"].Statuses["200"]; n < 4 {
		t.Errorf("oauth2/token answered 200 %d times, want the PKCE and secret exchanges and refreshes", n)
	}
	if _, data, err := e.File("/interop/big.bin"); err != nil || len(data) != 2*(4<<20)+4 {
		t.Errorf("big.bin: %d bytes, %v", len(data), err)
	}

	// The SDK decodes answers leniently (unknown fields pass): every answer
	// of the session, errors included, goes through the strict oracle too.
	if out := e.RunPython(t, nil, "validate.py", rec.Write(t)); !strings.Contains(out, " 0 violations") {
		t.Fatal("the emulator's answers to the Python SDK do not fit the spec")
	}
}
