package keyfile

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
)

// librec-auto's key derivation: PBKDF2-HMAC-SHA256 with a fixed salt.
const (
	fernetSalt       = "20200915"
	fernetIterations = 100000
)

// Fernet token layout: version | timestamp | IV | ciphertext | HMAC.
const (
	fernetVersion  = 0x80
	fernetHeader   = 1 + 8 + 16
	fernetMAC      = 32
	fernetMinLen   = fernetHeader + aes.BlockSize + fernetMAC
	fernetTextHint = "gAAAAA" // how every Fernet token of our era begins
)

// fernetToken is a structurally valid Fernet token, not yet authenticated.
type fernetToken struct {
	raw []byte
}

// parseFernet decodes text as a Fernet token. Text that is not base64url or
// does not start with the Fernet version byte is foreign; a token that
// starts right but is cut or malformed is damaged.
func parseFernet(text []byte) (*fernetToken, error) {
	raw, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight(text, "=")))
	looksFernet := bytes.HasPrefix(text, []byte(fernetTextHint))
	switch {
	case err != nil && looksFernet:
		return nil, damaged("bad base64url: truncated or modified")
	case err != nil || len(raw) == 0 || raw[0] != fernetVersion:
		return nil, &Error{Kind: ErrForeign}
	case len(raw) < fernetMinLen:
		return nil, damaged("truncated")
	case (len(raw)-fernetHeader-fernetMAC)%aes.BlockSize != 0:
		return nil, damaged("truncated: the ciphertext is not whole blocks")
	}
	return &fernetToken{raw: raw}, nil
}

func (t *fernetToken) info() Info {
	return Info{
		Format: Legacy,
		KDF: KDF{
			Name:       "pbkdf2-hmac-sha256",
			Iterations: fernetIterations,
			FixedSalt:  fernetSalt,
		},
		Cipher:  "aes-128-cbc+hmac-sha256",
		Created: time.Unix(int64(binary.BigEndian.Uint64(t.raw[1:9])), 0).UTC(),
	}
}

// open authenticates and decrypts the token. A bad HMAC cannot tell a
// wrong password from a modified file, and says so.
func (t *fernetToken) open(password string) (credential.Credential, error) {
	key, err := pbkdf2.Key(sha256.New, password, []byte(fernetSalt), fernetIterations, 32)
	if err != nil {
		return credential.Credential{}, fmt.Errorf("deriving the key: %w", err)
	}
	signed, sum := t.raw[:len(t.raw)-fernetMAC], t.raw[len(t.raw)-fernetMAC:]
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(signed)
	if !hmac.Equal(mac.Sum(nil), sum) {
		return credential.Credential{}, &Error{Kind: ErrWrongPassword, Detail: "or the file was modified"}
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return credential.Credential{}, err
	}
	pt := make([]byte, len(signed)-fernetHeader)
	cipher.NewCBCDecrypter(block, t.raw[9:25]).CryptBlocks(pt, signed[fernetHeader:])
	pt, ok := unpad(pt)
	if !ok {
		return credential.Credential{}, damaged("bad padding in an authentic token")
	}
	c, err := credential.Parse(pt)
	if err != nil {
		return credential.Credential{}, damaged("it decrypts to no usable credential: " + err.Error())
	}
	return c, nil
}

// unpad removes PKCS#7 padding.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
