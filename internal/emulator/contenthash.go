package emulator

import (
	"crypto/sha256"
	"encoding/hex"
)

// The emulator computes Dropbox's content hash itself, from Dropbox's
// description of it (the SHA-256 of each 4 MiB block, then the SHA-256 of
// those digests), and not with the client's package blocks: a mistake in
// one is then caught by tests that compare the two.

// hashBlockSize is the block size of the content hash: 4 MiB.
const hashBlockSize = 4 << 20

// digest is the SHA-256 of one block.
type digest = [sha256.Size]byte

// blockDigests returns the digest of each block of data, in order (the
// last block may be shorter).
func blockDigests(data []byte) []digest {
	var out []digest
	for off := 0; off < len(data); off += hashBlockSize {
		out = append(out, sha256.Sum256(data[off:min(off+hashBlockSize, len(data))]))
	}
	return out
}

// joinDigests returns the content hash, in hex, of the data whose block
// digests are ds.
func joinDigests(ds []digest) string {
	h := sha256.New()
	for i := range ds {
		h.Write(ds[i][:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
