package keyfile

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

const legacyDir = "keyvectors/librec-auto-legacy"

// legacyErrors says how each damaged legacy file must be refused; the
// shared index only says "error".
var legacyErrors = map[string]struct {
	code exit.Code
	what string
}{
	"09-tampered.enc":  {exit.WrongPassword, "wrong password for key file %s, or the file was modified"},
	"10-truncated.enc": {exit.KeyFile, "key file %s is damaged or unsupported (truncated)"},
}

// TestLegacyVectors decrypts every file librec-auto wrote, as its index says.
func TestLegacyVectors(t *testing.T) {
	for _, v := range readIndex(t, legacyDir) {
		t.Run(v.File, func(t *testing.T) {
			path := filepath.Join(legacyDir, v.File)
			c, info, err := Load(path, v.Password)
			switch v.Expect {
			case "ok":
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if c.Kind() != credential.AccessToken || c.AccessToken() != v.Token {
					t.Errorf("Load = %v with a different token", c)
				}
				if v.Token != strings.TrimSpace(v.Plaintext) {
					t.Errorf("index: token is not the trimmed plaintext")
				}
				if info.Format != Legacy || info.KDF.Iterations != 100000 || info.KDF.FixedSalt != "20200915" {
					t.Errorf("info = %+v", info)
				}
				if info.Created.Before(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("created %v", info.Created)
				}
			case "error":
				want, ok := legacyErrors[v.File]
				if !ok {
					t.Fatalf("no expected error for %s in legacyErrors", v.File)
				}
				if err == nil {
					t.Fatalf("Load succeeded: %v", c)
				}
				var e *exit.Error
				if !errors.As(err, &e) || e.Code != want.code {
					t.Errorf("err = %v (code %d), want code %d", err, exit.CodeOf(err), want.code)
				}
				if got, w := e.What, strings.Replace(want.what, "%s", strconv.Quote(path), 1); got != w {
					t.Errorf("What = %q, want %q", got, w)
				}
				if e.Fix == "" || strings.Contains(err.Error(), v.Password) {
					t.Errorf("error %q has no fix, or shows the password", err)
				}
			default:
				t.Fatalf("unknown expect %q", v.Expect)
			}
		})
	}
}

// TestLegacyWrongPassword: every good legacy file refuses another password
// with WrongPassword.
func TestLegacyWrongPassword(t *testing.T) {
	for _, v := range readIndex(t, legacyDir) {
		if v.Expect != "ok" {
			continue
		}
		_, _, err := Load(filepath.Join(legacyDir, v.File), v.Password+"x")
		if exit.CodeOf(err) != exit.WrongPassword || !errors.Is(err, ErrWrongPassword) {
			t.Errorf("%s: err = %v, want a wrong password", v.File, err)
		}
	}
}
