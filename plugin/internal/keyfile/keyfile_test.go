package keyfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// fast is a small work factor for tests that do not check the default.
var fast = Params{Time: 1, MemoryKiB: 64, Threads: 1}

func testCreds(t *testing.T) []credential.Credential {
	t.Helper()
	a, err := credential.NewAccessToken(vecToken)
	if err != nil {
		t.Fatal(err)
	}
	r, err := credential.NewRefresh(vecAppKey, vecSecret, vecRefresh)
	if err != nil {
		t.Fatal(err)
	}
	p, err := credential.NewRefresh(vecAppKey, "", vecRefresh)
	if err != nil {
		t.Fatal(err)
	}
	return []credential.Credential{a, r, p}
}

func TestSealOpen(t *testing.T) {
	for _, c := range testCreds(t) {
		for _, pw := range []string{"hunter2", "", "pässwörd 密码", strings.Repeat("long ", 200)} {
			data, err := seal(c, pw, fast, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			got, info, err := Open(data, pw)
			if err != nil || got != c {
				t.Fatalf("Open = %v, %v; want %v", got, err, c)
			}
			if info.Format != V1 || info.KDF.Time != fast.Time || info.KDF.MemoryKiB != fast.MemoryKiB || info.KDF.Threads != fast.Threads {
				t.Errorf("info = %+v", info)
			}
			if _, _, err := Open(data, pw+"!"); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("another password: %v", err)
			}
			checkText(t, data)
			for _, s := range append(c.Secrets(), c.AppKey()) {
				if s != "" && bytes.Contains(data, []byte(s)) {
					t.Errorf("the file shows a secret in clear")
				}
			}
		}
	}
}

// checkText: a key file is ASCII lines of at most 64 characters, ending in
// a newline, so that git and reviewers see text.
func checkText(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\n")) || bytes.HasSuffix(data, []byte("\n\n")) {
		t.Errorf("file does not end in one newline")
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if len(line) == 0 || len(line) > 64 {
			t.Errorf("line of %d characters", len(line))
		}
		for _, r := range line {
			if r < ' ' || r > '~' {
				t.Errorf("non-printable or non-ASCII character %q", r)
			}
		}
	}
}

func TestSealDefault(t *testing.T) {
	c := testCreds(t)[0]
	a, err := Seal(c, "pw")
	if err != nil {
		t.Fatal(err)
	}
	b, err := seal(c, "pw", DefaultParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("two seals are the same: salt and nonce are not random")
	}
	if !bytes.HasPrefix(a, []byte("dropbox-post key v1\nkdf: argon2id t=3 m=65536 p=4\nsalt: ")) {
		t.Errorf("header:\n%s", a)
	}
	if _, err := Seal(credential.Credential{}, "pw"); err == nil {
		t.Error("sealed the zero credential")
	}
	if _, err := seal(c, "pw", Params{Time: 1, MemoryKiB: 4 << 20, Threads: 1}, rand.Reader); !errors.Is(err, ErrDamaged) {
		t.Errorf("sealed with an excessive work factor: %v", err)
	}
}

func TestInspect(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(v1Dir, "01-access-token.key"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(data)
	if err != nil || info.Format != V1 || info.KDF.Name != "argon2id" || !info.Created.IsZero() {
		t.Errorf("Inspect v1 = %+v, %v", info, err)
	}
	// Inspect needs no password, so a modified but well-formed file passes.
	data, err = os.ReadFile(filepath.Join(legacyDir, "09-tampered.enc"))
	if err != nil {
		t.Fatal(err)
	}
	info, err = Inspect(data)
	if err != nil || info.Format != Legacy || info.KDF.Name != "pbkdf2-hmac-sha256" || info.Created.IsZero() {
		t.Errorf("Inspect legacy = %+v, %v", info, err)
	}
	if Legacy.String() != "librec-auto legacy (Fernet)" || V1.String() != "dropbox-post v1" {
		t.Error("format names")
	}
}

func TestOpenRefuses(t *testing.T) {
	good, err := seal(testCreds(t)[0], "pw", fast, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	header := strings.Join(lines[:6], "")
	for _, tc := range []struct {
		name, data string
		kind       error
		detail     string
	}{
		{"empty", "", ErrEmpty, ""},
		{"blank", " \n\r\n\t", ErrEmpty, ""},
		{"bare token", vecToken + "\n", ErrForeign, ""},
		{"long-lived token is base64url but not Fernet", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz01", ErrForeign, ""},
		{"binary", "\x00\x01\x02\xff", ErrForeign, ""},
		{"json", `{"access_token":"x"}`, ErrForeign, ""},
		{"fernet bad base64", "gAAAAABn!!!", ErrDamaged, "bad base64url"},
		{"fernet short", "gAAAAABnAAAAAAAAAAAAAAAAAAAAAAAA", ErrDamaged, "truncated"},
		{"fernet not blocks", "gAAAAA" + strings.Repeat("A", 100), ErrDamaged, "not whole blocks"},
		{"magic only", "dropbox-post key v1", ErrDamaged, "truncated"},
		{"huge version", "dropbox-post key v1000000000000000000000000", ErrDamaged, `unknown version "v100000000000000…"`},
		{"no payload", header, ErrDamaged, "truncated"},
		{"short payload", header + "AAAA\n", ErrDamaged, "too short"},
		{"blank payload line", header + lines[6] + "\n" + strings.Join(lines[7:], ""), ErrDamaged, "payload lines must be 64"},
		{"short middle line", header + lines[6][:10] + "\n" + strings.Join(lines[7:], ""), ErrDamaged, "payload lines must be 64"},
		{"bad end line", strings.Replace(string(good), "\n---\n", "\n--\n", 1), ErrDamaged, `line 6 is not "---"`},
		{"other kdf", strings.Replace(string(good), "kdf: argon2id", "kdf: scrypt", 1), ErrDamaged, "unknown key derivation"},
		{"leading zero", strings.Replace(string(good), "t=1 ", "t=01 ", 1), ErrDamaged, "unknown key derivation"},
		{"32-bit overflow", strings.Replace(string(good), "t=1 ", "t=4294967296 ", 1), ErrDamaged, "out of range"},
		{"threads over 255", strings.Replace(string(good), "p=1\n", "p=300\n", 1), ErrDamaged, "more work than dropbox-post allows"},
		{"zero time", strings.Replace(string(good), "t=1 ", "t=0 ", 1), ErrDamaged, "below"},
		{"salt too short", strings.Replace(string(good), "salt: ", "salt: AAAA", 1), ErrDamaged, "the salt is not 16 bytes"},
		{"trailing space in header", strings.Replace(string(good), "\n---", " \n---", 1), ErrDamaged, "nonce is not 24 bytes"},
		{"labels swapped", strings.Replace(string(good), "check: ", "chek: ", 1), ErrDamaged, `line 4 is not the "check" line`},
		{"header line edited", strings.Replace(string(good), "p=1\n", "p=1\n\n", 1), ErrDamaged, `line 3 is not the "salt" line`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Open([]byte(tc.data), "pw")
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("err = %v, want %v with %q", err, tc.kind, tc.detail)
			}
			_, ierr := Inspect([]byte(tc.data))
			if ierr == nil && tc.kind != ErrWrongPassword && !strings.Contains(err.Error(), "authentication") {
				// Only what needs the password may pass Inspect.
				t.Errorf("Inspect accepted it")
			}
		})
	}
}

func TestOpenToleratesWhitespace(t *testing.T) {
	good, err := seal(testCreds(t)[1], "pw", fast, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{
		bytes.TrimSuffix(good, []byte("\n")),
		append(append([]byte("\n  "), good...), "\n\n"...),
		bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")),
	} {
		if c, _, err := Open(data, "pw"); err != nil || c != testCreds(t)[1] {
			t.Errorf("Open = %v, %v", c, err)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	defer func() { sealParams = DefaultParams }()
	UseCheapWorkFactor() // TestSealDefault checks the real one
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	c := testCreds(t)[2]
	if err := Save(path, c, "pw", false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	got, info, err := Load(path, "pw")
	if err != nil || got != c || info.Format != V1 {
		t.Fatalf("Load = %v, %+v, %v", got, info, err)
	}
	before, _ := os.ReadFile(path)
	if err := Save(path, testCreds(t)[0], "pw", false); exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Save over a file: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the existing file changed")
	}
	if err := Save(path, testCreds(t)[0], "pw", true); err != nil {
		t.Fatal(err)
	}
	if got, _, err := Load(path, "pw"); err != nil || got != testCreds(t)[0] {
		t.Errorf("after replace: %v, %v", got, err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeTemp(t, dir, name, content) }
	for _, tc := range []struct {
		path string
		code exit.Code
		what string
	}{
		{filepath.Join(dir, "missing.key"), exit.KeyFile, "key file %s does not exist"},
		{dir, exit.KeyFile, "key file %s is a directory"},
		{write("empty.key", ""), exit.KeyFile, "key file %s is empty"},
		{write("blank.key", "\n\n"), exit.KeyFile, "key file %s is empty"},
		{write("foreign.key", "hello world\n"), exit.KeyFile, "%s is not a dropbox-post or librec-auto key file"},
		{write("big.key", strings.Repeat("A", maxFileSize+1)), exit.KeyFile, "%s is not a dropbox-post or librec-auto key file (it is larger than 64 KiB)"},
		{write("newer.key", "dropbox-post key v2\nwhatever\n"), exit.KeyFile, "key file %s is damaged or unsupported (unknown version \"v2\": this dropbox-post reads v1)"},
	} {
		for _, load := range []func() error{
			func() error { _, _, err := Load(tc.path, "pw"); return err },
			func() error { _, err := InspectFile(tc.path); return err },
		} {
			err := load()
			var e *exit.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.What != strings.Replace(tc.what, "%s", strconv.Quote(tc.path), 1) || e.Fix == "" {
				t.Errorf("%s: err = %v (code %d)", tc.path, err, exit.CodeOf(err))
			}
		}
	}
	_, _, err := Load(filepath.Join(dir, "newer.key"), "pw")
	if !strings.Contains(err.Error(), "update dropbox-post") {
		t.Errorf("an unknown version does not suggest an update: %v", err)
	}
}

// TestErrorsHoldNoSecret: no error of any vector shows its password or
// credential.
func TestErrorsHoldNoSecret(t *testing.T) {
	secrets := []string{vecToken, vecSecret, vecRefresh, "hunter2"}
	for _, dir := range []string{legacyDir, v1Dir} {
		for _, v := range readIndex(t, dir) {
			pws := []string{v.Password, v.Password + "-wrong"}
			if dir == v1Dir && !strings.HasPrefix(v.File, "01-") {
				// A wrong password gives every v1 file the same error as
				// 01's, at the cost of a real Argon2id run each.
				pws = pws[:1]
			}
			for _, pw := range pws {
				_, _, err := Load(filepath.Join(dir, v.File), pw)
				if err == nil {
					continue
				}
				for _, s := range append(secrets, pw) {
					if s != "" && strings.Contains(err.Error(), s) {
						t.Errorf("%s: error %q shows a secret", v.File, err)
					}
				}
			}
		}
	}
}

func TestReadCredential(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeTemp(t, dir, name, content) }
	c, err := ReadCredential(write("token.txt", vecToken+"\r\n"))
	if err != nil || c.AccessToken() != vecToken {
		t.Errorf("ReadCredential = %v, %v", c, err)
	}
	c, err = ReadCredential(write(".env", "DROPBOX_APP_KEY="+vecAppKey+"\nDROPBOX_REFRESH_TOKEN="+vecRefresh+"\n"))
	if err != nil || c.RefreshToken() != vecRefresh {
		t.Errorf("ReadCredential = %v, %v", c, err)
	}
	for _, tc := range []struct{ path, what string }{
		{filepath.Join(legacyDir, "01-typical.enc"), "is already an encrypted key file"},
		{filepath.Join(legacyDir, "10-truncated.enc"), "is already an encrypted key file"},
		{filepath.Join(v1Dir, "01-access-token.key"), "is already an encrypted key file"},
		{write("empty.txt", "\n"), "holds no usable credential: the credential is empty"},
		{write("half.env", "DROPBOX_REFRESH_TOKEN="+vecRefresh+"\n"), "holds no usable credential: incomplete refresh credential"},
		{filepath.Join(dir, "missing"), "does not exist"},
	} {
		_, err := ReadCredential(tc.path)
		if exit.CodeOf(err) != exit.KeyFile || !strings.Contains(err.Error(), strconv.Quote(tc.path)+" ") || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("ReadCredential(%s) = %v", tc.path, err)
		}
		if err != nil && strings.Contains(err.Error(), vecRefresh) {
			t.Errorf("error shows the credential: %v", err)
		}
	}
}

// writeTemp writes content to dir/name and returns the path.
func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefusesCostlyWorkFactor: a file asking for more work than
// dropbox-post would ever write (here t=16 m=1 GiB, which an earlier
// version allowed) is refused with exit 5 before any key derivation.
func TestRefusesCostlyWorkFactor(t *testing.T) {
	good, err := seal(testCreds(t)[0], "pw", fast, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, kdf := range []string{"t=16 m=1048576 p=4", "t=9 m=64 p=1", "t=1 m=262145 p=1", "t=1 m=72 p=9"} {
		path := writeTemp(t, t.TempDir(), "costly.key", strings.Replace(string(good), "t=1 m=64 p=1", kdf, 1))
		runs := kdfRuns.Load()
		_, _, err := Load(path, "pw")
		if exit.CodeOf(err) != exit.KeyFile || !strings.Contains(err.Error(), "asks for more work than dropbox-post allows") ||
			!strings.Contains(err.Error(), kdf) {
			t.Errorf("%s: err = %v (code %d), want exit 5 saying it asks for more work than allowed", kdf, err, exit.CodeOf(err))
		}
		if _, err := InspectFile(path); exit.CodeOf(err) != exit.KeyFile {
			t.Errorf("%s: InspectFile: %v", kdf, err)
		}
		if kdfRuns.Load() != runs {
			t.Errorf("%s: the key derivation ran before the work factor was refused", kdf)
		}
	}
	// The bounds themselves are allowed.
	edge := strings.Replace(string(good), "t=1 m=64 p=1", "t=8 m=64 p=8", 1)
	if _, err := Inspect([]byte(edge)); err != nil {
		t.Errorf("t=8 p=8: %v", err)
	}
}

// TestCheapWorkFactorForTests: the test-only hook changes what Seal writes
// (and only in a test binary; the program writes DefaultParams).
func TestCheapWorkFactorForTests(t *testing.T) {
	defer func() { sealParams = DefaultParams }()
	UseCheapWorkFactor()
	c := testCreds(t)[0]
	data, err := Seal(c, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\nkdf: argon2id t=1 m=8 p=1\n")) {
		t.Errorf("header:\n%s", data)
	}
	if got, _, err := Open(data, "pw"); err != nil || got.AccessToken() != c.AccessToken() {
		t.Errorf("Open: %v", err)
	}
}
