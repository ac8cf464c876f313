package store

import (
	"crypto/sha256"
	"encoding/hex"
)

// The emulator computes Dropbox's content hash itself, from Dropbox's
// description of it (the SHA-256 of each 4 MiB block, then the SHA-256 of
// those digests), and not with the client's package blocks: the client's
// tests compare the two, so a mistake in one is not shared.

// HashBlockSize is the block size of the content hash: 4 MiB.
const HashBlockSize = 4 << 20

// Digest is the SHA-256 of one block.
type Digest = [sha256.Size]byte

// BlockDigests returns the digest of each block of data, in order (the
// last block may be shorter).
func BlockDigests(data []byte) []Digest {
	var out []Digest
	for off := 0; off < len(data); off += HashBlockSize {
		out = append(out, sha256.Sum256(data[off:min(off+HashBlockSize, len(data))]))
	}
	return out
}

// JoinDigests returns the content hash, in hex, of the data whose block
// digests are ds.
func JoinDigests(ds []Digest) string {
	h := sha256.New()
	for i := range ds {
		h.Write(ds[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ContentHash returns the content hash, in hex, of data.
func ContentHash(data []byte) string { return JoinDigests(BlockDigests(data)) }
