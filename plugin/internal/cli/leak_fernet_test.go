package cli

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// legacyKeyFile returns what librec-auto's bin/encrypt.py writes for
// plaintext and password: a Fernet token whose key is PBKDF2-HMAC-SHA256
// (salt "20200915", 100000 iterations), so that the secrets sweep can give
// the legacy reader secrets of its own choosing.
func legacyKeyFile(plaintext []byte, password string) ([]byte, error) {
	key, err := pbkdf2.Key(sha256.New, password, []byte("20200915"), 100000, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := append(append([]byte{}, plaintext...), make([]byte, pad)...)
	for i := len(plaintext); i < len(padded); i++ {
		padded[i] = byte(pad)
	}
	token := make([]byte, 1+8+aes.BlockSize, 1+8+aes.BlockSize+len(padded)+sha256.Size)
	token[0] = 0x80
	binary.BigEndian.PutUint64(token[1:9], uint64(time.Now().Unix()))
	iv := token[9 : 9+aes.BlockSize]
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	token = append(token, ct...)
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(token)
	token = mac.Sum(token)
	return []byte(base64.URLEncoding.EncodeToString(token)), nil
}
