//go:build unix

package regularfile

import "syscall"

// openFlags: a FIFO opens at once (O_NONBLOCK) and a terminal never
// becomes the controlling one (O_NOCTTY). Reads of a regular file do not
// heed O_NONBLOCK.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
