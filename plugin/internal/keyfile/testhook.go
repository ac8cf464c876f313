package keyfile

import "testing"

// cheapParams is the smallest work factor Argon2id allows with one lane.
var cheapParams = Params{Time: 1, MemoryKiB: 8, Threads: 1}

// UseCheapWorkFactor makes Seal and Save write files with the cheapest work
// factor Argon2id allows (t=1 m=8 KiB p=1), so that tests which encrypt and
// decrypt many files do not spend minutes in the key derivation. It panics
// outside a test binary: the program itself only ever writes DefaultParams,
// and nothing a user sets (flag, environment, config) can change that.
func UseCheapWorkFactor() {
	if !testing.Testing() {
		panic("keyfile.UseCheapWorkFactor called outside a test")
	}
	sealParams = cheapParams
}
