package keyfile

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
)

// Params is an Argon2id work factor.
type Params struct {
	Time      uint32 // passes (t)
	MemoryKiB uint32 // memory in KiB (m)
	Threads   uint8  // lanes (p)
}

// DefaultParams is RFC 9106's second recommended parameter set, which Seal
// uses: t=3, m=64 MiB, p=4.
var DefaultParams = Params{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

// sealParams is the work factor Seal writes: DefaultParams, except in a test
// binary that called UseCheapWorkFactor.
var sealParams = DefaultParams

// Bounds on the work factor a file may ask for: what this tool writes
// (DefaultParams) times a small margin, so that a hostile file cannot make
// the reader eat memory or time. The lower ones are RFC 9106's.
const (
	MaxTime      = 8
	MaxMemoryKiB = 256 << 10 // 256 MiB
	MaxThreads   = 8
)

// argon2id is the key derivation; tests replace it to count or memoise
// its runs.
var argon2id = argon2.IDKey

// tooCostly is the error of a file that asks for more work than allowed.
func tooCostly(p string) error {
	return &Error{Kind: ErrDamaged, TooCostly: true,
		Detail: fmt.Sprintf("it asks for more work than dropbox-post allows: argon2id %s, the most allowed is t=%d m=%d p=%d", p, MaxTime, MaxMemoryKiB, MaxThreads)}
}

// check reports a work factor outside the bounds.
func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads):
		return damaged(fmt.Sprintf("work factor t=%d m=%d p=%d is below Argon2id's minimum (t>=1, p>=1, m>=8*p)", p.Time, p.MemoryKiB, p.Threads))
	case p.Time > MaxTime || p.MemoryKiB > MaxMemoryKiB || p.Threads > MaxThreads:
		return tooCostly(fmt.Sprintf("t=%d m=%d p=%d", p.Time, p.MemoryKiB, p.Threads))
	}
	return nil
}

// Layout of version 1; see docs/keyfile-format.md.
const (
	v1Version   = "v1"
	saltSize    = 16
	checkSize   = 16
	lineLength  = 64 // payload base64 characters per line
	infoCheck   = "dropbox-post key v1 check"
	infoPayload = "dropbox-post key v1 payload"
	headerEnd   = "---"
)

var b64 = base64.RawStdEncoding.Strict()

// v1File is a parsed version 1 file, not yet authenticated.
type v1File struct {
	params  Params
	salt    []byte
	check   []byte
	nonce   []byte
	header  []byte // the associated data: every header line, LF-terminated, through "---\n"
	payload []byte // ciphertext and tag
}

var kdfLine = regexp.MustCompile(`^argon2id t=(0|[1-9][0-9]{0,9}) m=(0|[1-9][0-9]{0,9}) p=(0|[1-9][0-9]{0,9})$`)

// parseV1 parses text, which starts with v1Magic and has no surrounding
// whitespace. CRLF line ends (git on Windows) are read as LF.
func parseV1(text []byte) (*v1File, error) {
	lines := strings.Split(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n")
	if v := strings.TrimPrefix(lines[0], v1Magic); v != v1Version {
		if len(v) > 16 {
			v = v[:16] + "…"
		}
		return nil, &Error{Kind: ErrDamaged, Detail: fmt.Sprintf("unknown version %q: this dropbox-post reads %s", v, v1Version), Newer: true}
	}
	if len(lines) < 7 {
		return nil, damaged("truncated: the header is not whole")
	}
	f := &v1File{}
	field := func(n int, label string) (string, error) {
		v, ok := strings.CutPrefix(lines[n-1], label+": ")
		if !ok {
			return "", damaged(fmt.Sprintf("line %d is not the %q line", n, label))
		}
		return v, nil
	}
	bin := func(n int, label string, size int) ([]byte, error) {
		v, err := field(n, label)
		if err != nil {
			return nil, err
		}
		b, err := b64.DecodeString(v)
		if err != nil || len(b) != size {
			return nil, damaged(fmt.Sprintf("line %d: the %s is not %d bytes of base64", n, label, size))
		}
		return b, nil
	}
	kdf, err := field(2, "kdf")
	if err != nil {
		return nil, err
	}
	m := kdfLine.FindStringSubmatch(kdf)
	if m == nil {
		return nil, damaged("line 2: unknown key derivation (this dropbox-post reads argon2id t=… m=… p=…)")
	}
	var n [3]uint64
	for i := range n {
		if n[i], err = strconv.ParseUint(m[i+1], 10, 32); err != nil {
			return nil, damaged("line 2: a work factor is out of range")
		}
	}
	if n[2] > MaxThreads {
		return nil, tooCostly(fmt.Sprintf("t=%d m=%d p=%d", n[0], n[1], n[2]))
	}
	f.params = Params{Time: uint32(n[0]), MemoryKiB: uint32(n[1]), Threads: uint8(n[2])}
	if err := f.params.check(); err != nil {
		return nil, err
	}
	if f.salt, err = bin(3, "salt", saltSize); err != nil {
		return nil, err
	}
	if f.check, err = bin(4, "check", checkSize); err != nil {
		return nil, err
	}
	if f.nonce, err = bin(5, "nonce", chacha20poly1305.NonceSizeX); err != nil {
		return nil, err
	}
	if lines[5] != headerEnd {
		return nil, damaged(fmt.Sprintf("line 6 is not %q", headerEnd))
	}
	f.header = []byte(strings.Join(lines[:6], "\n") + "\n")
	body := lines[6:]
	for i, l := range body {
		if len(l) == 0 || len(l) > lineLength || len(l) < lineLength && i != len(body)-1 {
			return nil, damaged(fmt.Sprintf("line %d: payload lines must be %d characters, the last one 1 to %d", 7+i, lineLength, lineLength))
		}
	}
	if f.payload, err = b64.DecodeString(strings.Join(body, "")); err != nil {
		return nil, damaged("bad base64 in the payload: modified or truncated")
	}
	if len(f.payload) <= chacha20poly1305.Overhead {
		return nil, damaged("truncated: the payload is too short")
	}
	return f, nil
}

func (f *v1File) info() Info {
	return Info{
		Format: V1,
		KDF:    KDF{Name: "argon2id", Time: f.params.Time, MemoryKiB: f.params.MemoryKiB, Threads: f.params.Threads},
		Cipher: "xchacha20-poly1305",
	}
}

// keys derives the check value and the payload key from the password.
func keys(password string, salt []byte, p Params) (check, key []byte, err error) {
	master := argon2id([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	if check, err = hkdf.Expand(sha256.New, master, infoCheck, checkSize); err != nil {
		return nil, nil, err
	}
	key, err = hkdf.Expand(sha256.New, master, infoPayload, chacha20poly1305.KeySize)
	return check, key, err
}

// open checks the password against the check value, then authenticates
// the header and decrypts the payload: a mismatch of the check value is a
// wrong password, a failure after it is a modified file.
func (f *v1File) open(password string) (credential.Credential, error) {
	check, key, err := keys(password, f.salt, f.params)
	if err != nil {
		return credential.Credential{}, err
	}
	if subtle.ConstantTimeCompare(check, f.check) != 1 {
		return credential.Credential{}, &Error{Kind: ErrWrongPassword}
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return credential.Credential{}, err
	}
	pt, err := aead.Open(nil, f.nonce, f.payload, f.header)
	if err != nil {
		return credential.Credential{}, damaged("the password is right but the content fails authentication: the file was modified or truncated")
	}
	c, err := credential.Decode(pt)
	if err != nil {
		return credential.Credential{}, damaged("it decrypts to no usable credential: " + err.Error())
	}
	return c, nil
}

// Seal encrypts c with password in the version 1 format, with
// DefaultParams and a fresh random salt and nonce.
func Seal(c credential.Credential, password string) ([]byte, error) {
	return seal(c, password, sealParams, rand.Reader)
}

// seal is Seal with a chosen work factor and source of randomness, so that
// the test vectors can be made again byte for byte.
func seal(c credential.Credential, password string, p Params, random io.Reader) ([]byte, error) {
	if c.IsZero() {
		return nil, errors.New("no credential to encrypt")
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	salt := make([]byte, saltSize)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(random, nonce); err != nil {
		return nil, err
	}
	check, key, err := keys(password, salt, p)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s%s\nkdf: argon2id t=%d m=%d p=%d\nsalt: %s\ncheck: %s\nnonce: %s\n%s\n",
		v1Magic, v1Version, p.Time, p.MemoryKiB, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(check), b64.EncodeToString(nonce), headerEnd)
	payload := b64.EncodeToString(aead.Seal(nil, nonce, c.Encode(), out.Bytes()))
	for len(payload) > 0 {
		n := min(lineLength, len(payload))
		out.WriteString(payload[:n] + "\n")
		payload = payload[n:]
	}
	return out.Bytes(), nil
}
