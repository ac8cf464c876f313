package keyfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

var update = flag.Bool("update", false, "write keyvectors/v1 again from its generator")

const v1Dir = "keyvectors/v1"

// The credentials in the vectors. They are made up.
const (
	vecToken   = "sl.B0aFakeShortLivedToken-abc_123XYZ"
	vecAppKey  = "fakeappkey0123"
	vecSecret  = "fakeappsecret9876"
	vecRefresh = "FakeRefreshToken_AAAAAAAAAAAAAAAAAAAAAA-0123456789abcdefghijklmn"
)

// sealed is a good vector: a credential sealed with a password.
type sealed struct {
	file, password, note string
	cred                 func() (credential.Credential, error)
	crlf                 bool // written with CRLF line ends, as git on Windows may
}

// mutated is a damaged vector: the first good one, changed by edit.
type mutated struct {
	file, errorKind, note string
	edit                  func(lines []string) []string
}

var sealedVectors = []sealed{
	{"01-access-token.key", "hunter2", "an access token", accessCred, false},
	{"02-refresh-with-secret.key", "correct horse battery staple", "a refresh credential with an app secret", func() (credential.Credential, error) {
		return credential.NewRefresh(vecAppKey, vecSecret, vecRefresh)
	}, false},
	{"03-refresh-pkce.key", "study-pw", "a refresh credential without an app secret (PKCE)", func() (credential.Credential, error) {
		return credential.NewRefresh(vecAppKey, "", vecRefresh)
	}, false},
	{"04-unicode-password.key", "pässwörd-密码", "a password that is not ASCII (its UTF-8 bytes, not normalised)", accessCred, false},
	{"05-empty-password.key", "", "the empty password", accessCred, false},
	{"06-crlf-line-ends.key", "hunter2", "CRLF line ends, as a Windows checkout may make them", accessCred, true},
	{"07-wrong-password.key", "not hunter2", "sealed with another password than the index gives", accessCred, false},
}

// The damaged vectors, each an edit of 01-access-token.key (password hunter2).
var mutatedVectors = []mutated{
	{"08-flipped-ciphertext.key", "damaged", "one payload character changed: the check passes, the AEAD fails", func(l []string) []string {
		l[6] = swapChar(l[6], 10)
		return l
	}},
	{"09-modified-nonce.key", "damaged", "the header's nonce changed: the header is associated data", func(l []string) []string {
		l[4] = swapChar(l[4], len("nonce: ")+3)
		return l
	}},
	{"10-modified-kdf.key", "wrong-password", "t=3 changed to t=2: another key, so the check fails as for a wrong password", func(l []string) []string {
		l[1] = strings.Replace(l[1], "t=3", "t=2", 1)
		return l
	}},
	{"11-truncated-payload.key", "damaged", "cut in the payload", func(l []string) []string {
		return append(l[:6], l[6][:40])
	}},
	{"12-truncated-header.key", "damaged", "cut after the salt line", func(l []string) []string { return l[:3] }},
	{"13-unknown-version.key", "damaged", "version v2", func(l []string) []string {
		l[0] = "dropbox-post key v2"
		return l
	}},
	{"14-excessive-memory.key", "damaged", "m=4 GiB: refused before any work", func(l []string) []string {
		l[1] = strings.Replace(l[1], "m=65536", "m=4194304", 1)
		return l
	}},
	{"15-excessive-time.key", "damaged", "t=100: refused before any work", func(l []string) []string {
		l[1] = strings.Replace(l[1], "t=3", "t=100", 1)
		return l
	}},
	{"16-weak-work-factor.key", "damaged", "m=16 KiB with p=4, below Argon2id's minimum of 8*p", func(l []string) []string {
		l[1] = strings.Replace(l[1], "m=65536", "m=16", 1)
		return l
	}},
	{"17-bad-base64.key", "damaged", "a character that is not base64 in the payload", func(l []string) []string {
		l[6] = l[6][:20] + "!" + l[6][21:]
		return l
	}},
	{"18-missing-check-line.key", "damaged", "the check line removed", func(l []string) []string {
		return slices.Delete(l, 3, 4)
	}},
	{"20-above-the-limits.key", "damaged", "t=16 m=1 GiB: more work than dropbox-post allows, refused before any work", func(l []string) []string {
		l[1] = "kdf: argon2id t=16 m=1048576 p=4"
		return l
	}},
}

// foreignVector is a plain credential where a key file was expected.
const foreignVector = "19-not-encrypted.key"

func accessCred() (credential.Credential, error) { return credential.NewAccessToken(vecToken) }

// swapChar changes the base64 character at i to another one.
func swapChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// generateV1 makes the version 1 vectors and their index. Salts and nonces
// come from a generator seeded with the file name, so that the output is
// the same every time.
func generateV1(t testing.TB) (map[string][]byte, []vector) {
	t.Helper()
	files := map[string][]byte{}
	var index []vector
	for _, s := range sealedVectors {
		c, err := s.cred()
		if err != nil {
			t.Fatal(err)
		}
		seed := sha256.Sum256([]byte("dropbox-post key v1 test vector " + s.file))
		data, err := seal(c, s.password, DefaultParams, rand.NewChaCha8(seed))
		if err != nil {
			t.Fatal(err)
		}
		if s.crlf {
			data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		}
		files[s.file] = data
		v := vector{File: s.file, Password: s.password, Expect: "ok", Plaintext: string(c.Encode()), Token: c.AccessToken(), Note: s.note}
		if s.file == "07-wrong-password.key" {
			v = vector{File: s.file, Password: "hunter2", Expect: "error", Error: "wrong-password", Note: s.note}
		}
		index = append(index, v)
	}
	base := strings.Split(strings.TrimSuffix(string(files[sealedVectors[0].file]), "\n"), "\n")
	for _, m := range mutatedVectors {
		lines := m.edit(slices.Clone(base))
		files[m.file] = []byte(strings.Join(lines, "\n") + "\n")
		index = append(index, vector{File: m.file, Password: sealedVectors[0].password, Expect: "error", Error: m.errorKind, Note: m.note})
	}
	files[foreignVector] = []byte("DROPBOX_ACCESS_TOKEN=" + vecToken + "\n")
	index = append(index, vector{File: foreignVector, Password: "hunter2", Expect: "error", Error: "foreign", Note: "a plain .env credential, not encrypted"})
	return files, index
}

func marshalIndex(t testing.TB, index []vector) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(index); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestV1VectorsAreGenerated checks the committed vectors byte for byte
// against the generator; 'go test -run TestV1VectorsAreGenerated -update'
// writes them.
func TestV1VectorsAreGenerated(t *testing.T) {
	files, index := generateV1(t)
	files["index.json"] = marshalIndex(t, index)
	if *update {
		if err := os.MkdirAll(v1Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(v1Dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(v1Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Errorf("%s holds %d files, the generator makes %d", v1Dir, len(entries), len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(v1Dir, name))
		if err != nil {
			t.Errorf("%v (run with -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator makes (run with -update if the change is meant)", name)
		}
	}
}

// TestV1Vectors opens every version 1 vector as the index says.
func TestV1Vectors(t *testing.T) {
	for _, v := range readIndex(t, v1Dir) {
		t.Run(v.File, func(t *testing.T) {
			path := filepath.Join(v1Dir, v.File)
			runs := kdfRuns.Load()
			c, info, err := Load(path, v.Password)
			if v.Expect == "ok" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if string(c.Encode()) != v.Plaintext || c.AccessToken() != v.Token {
					t.Errorf("Load = %v, not the index's plaintext", c)
				}
				want := Info{Format: V1, KDF: KDF{Name: "argon2id", Time: 3, MemoryKiB: 65536, Threads: 4}, Cipher: "xchacha20-poly1305"}
				if info != want {
					t.Errorf("info = %+v, want %+v", info, want)
				}
				return
			}
			kind, ok := errorKinds[v.Error]
			if v.Expect != "error" || !ok {
				t.Fatalf("index: expect %q, error %q", v.Expect, v.Error)
			}
			if !errors.Is(err, kind) {
				t.Fatalf("err = %v, want %v", err, kind)
			}
			code := exit.KeyFile
			if kind == ErrWrongPassword {
				code = exit.WrongPassword
			}
			if exit.CodeOf(err) != code || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %q (code %d), want code %d and the file name", err, exit.CodeOf(err), code)
			}
			if strings.Contains(v.Note, "before any work") && kdfRuns.Load() != runs {
				t.Errorf("the key derivation ran: the work factor was not refused first")
			}
		})
	}
}
