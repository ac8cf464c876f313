//go:build unix

package pull

import (
	"errors"
	"os"
	"syscall"
)

// lockTemp takes an exclusive lock on a temporary file being written. The
// system drops it when the process ends, however it ends (SIGKILL too).
func lockTemp(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// lockedByOther reports whether another process holds the lock of f.
func lockedByOther(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	return errors.Is(err, syscall.EWOULDBLOCK)
}
