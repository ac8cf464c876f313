// Package keyfile reads and writes encrypted Dropbox credential files: the
// Fernet files librec-auto's bin/encrypt.py writes (read only), and
// dropbox-post's own format, version 1 (Argon2id and XChaCha20-Poly1305),
// which it writes. docs/keyfile-format.md specifies both.
//
// Open, Seal and Inspect work on bytes and return plain errors that wrap
// ErrEmpty, ErrForeign, ErrDamaged or ErrWrongPassword. Load, InspectFile
// and Save work on files and return *exit.Error values that name the file
// and say what to do. No error ever holds a part of a secret.
package keyfile

import (
	"bytes"
	"errors"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
)

// The kinds of failure; errors from Open and Inspect wrap one of them.
var (
	ErrEmpty         = errors.New("empty")
	ErrForeign       = errors.New("not a dropbox-post or librec-auto key file")
	ErrDamaged       = errors.New("damaged or unsupported")
	ErrWrongPassword = errors.New("wrong password")
)

// Error is an error of Open or Inspect: one of the kinds above, with a
// detail for the user (never a secret).
type Error struct {
	Kind   error  // ErrEmpty, ErrForeign, ErrDamaged or ErrWrongPassword
	Detail string // e.g. "truncated"; may be empty
	Newer  bool   // the file is of a later version than this program reads
	// TooCostly: the file asks for more work than dropbox-post allows
	// (refused before any key derivation).
	TooCostly bool
}

// Error returns "<kind> (<detail>)".
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + " (" + e.Detail + ")"
}

// Unwrap returns the kind, for errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

func damaged(detail string) error { return &Error{Kind: ErrDamaged, Detail: detail} }

// Format is the format of a key file.
type Format string

// The formats.
const (
	Legacy Format = "librec-auto-fernet" // librec-auto's bin/encrypt.py (read only)
	V1     Format = "dropbox-post-v1"    // dropbox-post's own format, version 1
)

// String describes the format for people.
func (f Format) String() string {
	switch f {
	case Legacy:
		return "librec-auto legacy (Fernet)"
	case V1:
		return "dropbox-post v1"
	}
	return string(f)
}

// Info describes a key file. None of it is secret.
type Info struct {
	Format Format `json:"format"`
	KDF    KDF    `json:"kdf"`
	Cipher string `json:"cipher"`
	// Created is when a Fernet token was made (it says so itself); zero for v1.
	Created time.Time `json:"created,omitzero"`
}

// KDF names the password-based key derivation and its work factor.
type KDF struct {
	Name       string `json:"name"`                 // "argon2id" or "pbkdf2-hmac-sha256"
	Time       uint32 `json:"time,omitzero"`        // Argon2id passes
	MemoryKiB  uint32 `json:"memory_kib,omitzero"`  // Argon2id memory
	Threads    uint8  `json:"threads,omitzero"`     // Argon2id lanes
	Iterations int    `json:"iterations,omitzero"`  // PBKDF2 iterations
	FixedSalt  string `json:"fixed_salt,omitempty"` // PBKDF2's salt, the same for every file
}

// v1Magic starts every file of dropbox-post's own format, of any version.
const v1Magic = "dropbox-post key "

// Inspect says what data is, without a password. It checks the structure
// and the work factor but cannot tell a wrong password from a modified
// file.
func Inspect(data []byte) (Info, error) {
	text, err := trim(data)
	if err != nil {
		return Info{}, err
	}
	if bytes.HasPrefix(text, []byte(v1Magic)) {
		f, err := parseV1(text)
		if err != nil {
			return Info{}, err
		}
		return f.info(), nil
	}
	t, err := parseFernet(text)
	if err != nil {
		return Info{}, err
	}
	return t.info(), nil
}

// Open decrypts data with password and returns the credential it holds.
func Open(data []byte, password string) (credential.Credential, Info, error) {
	text, err := trim(data)
	if err != nil {
		return credential.Credential{}, Info{}, err
	}
	if bytes.HasPrefix(text, []byte(v1Magic)) {
		f, err := parseV1(text)
		if err != nil {
			return credential.Credential{}, Info{}, err
		}
		c, err := f.open(password)
		return c, f.info(), err
	}
	t, err := parseFernet(text)
	if err != nil {
		return credential.Credential{}, Info{}, err
	}
	c, err := t.open(password)
	return c, t.info(), err
}

// trim removes the whitespace around a file's content: librec-auto's files
// have none, but an editor or a copy may add a newline.
func trim(data []byte) ([]byte, error) {
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return nil, &Error{Kind: ErrEmpty}
	}
	return text, nil
}
