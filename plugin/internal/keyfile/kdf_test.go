package keyfile

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// kdfRuns counts the key derivations asked for in this test binary, so that
// a test can tell that a file was refused before any work (without a clock).
var kdfRuns atomic.Int64

// The tests open the same vectors (real work factor, t=3 m=64 MiB) with the
// same passwords many times: each distinct derivation is run once for real
// and remembered, which keeps 'make test' quick on a loaded machine.
func init() {
	real := argon2id
	var mu sync.Mutex
	memo := map[string][]byte{}
	argon2id = func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		kdfRuns.Add(1)
		k := fmt.Sprintf("%x|%x|%d|%d|%d|%d", password, salt, time, memory, threads, keyLen)
		mu.Lock()
		defer mu.Unlock()
		if v, ok := memo[k]; ok {
			return v
		}
		v := real(password, salt, time, memory, threads, keyLen)
		memo[k] = v
		return v
	}
}
