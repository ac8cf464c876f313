package store

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
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

// Hasher computes a content hash from data written to it in pieces of any
// size.
type Hasher struct {
	block hash.Hash // the current block so far
	n     int       // bytes in the current block
	ds    []Digest  // the digests of the blocks before it
}

// NewHasher returns a Hasher with nothing written.
func NewHasher() *Hasher { return &Hasher{block: sha256.New()} }

// Write adds p to the data. It never fails.
func (h *Hasher) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), HashBlockSize-h.n)
		h.block.Write(p[:k])
		h.n += k
		p = p[k:]
		if h.n == HashBlockSize {
			h.ds = append(h.ds, h.sum())
			h.block.Reset()
			h.n = 0
		}
	}
	return n, nil
}

// HexDigest returns the content hash of the data written so far, in hex.
func (h *Hasher) HexDigest() string {
	ds := h.ds[:len(h.ds):len(h.ds)]
	if h.n > 0 {
		ds = append(ds, h.sum())
	}
	return JoinDigests(ds)
}

func (h *Hasher) sum() Digest {
	var d Digest
	h.block.Sum(d[:0])
	return d
}
