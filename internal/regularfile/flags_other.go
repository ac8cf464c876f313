//go:build !unix

package regularfile

// openFlags: no flags where there are no FIFOs to wait on.
const openFlags = 0
