// Package blocks computes Dropbox content hashes from data that arrives in
// pieces: the SHA-256 digest of each 4 MiB block, then the SHA-256 of the
// digests. Pieces that are whole blocks (the chunks of a concurrent upload
// session) can be hashed apart, in any order, and joined; the SDK's
// contenthash.Hasher, which is sequential, cannot. Tests check the results
// against contenthash.
package blocks

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
)

// Digest is the SHA-256 of one block.
type Digest = [sha256.Size]byte

// Digests returns the digest of each 4 MiB block of data (the last may be
// shorter).
func Digests(data []byte) []Digest {
	out := make([]Digest, 0, (len(data)+contenthash.BlockSize-1)/contenthash.BlockSize)
	for len(data) > 0 {
		k := min(len(data), contenthash.BlockSize)
		out = append(out, sha256.Sum256(data[:k]))
		data = data[k:]
	}
	return out
}

// Join returns the content hash, in hex, of the data whose block digests
// are ds, in order.
func Join(ds []Digest) string {
	h := sha256.New()
	for _, d := range ds {
		h.Write(d[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Hash returns the content hash of data.
func Hash(data []byte) string { return Join(Digests(data)) }
