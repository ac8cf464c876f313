//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package secret

import (
	"os"
	"syscall"
	"unsafe"
)

// foreground reports whether this process is in the foreground process
// group of the terminal tty (tcgetpgrp(tty) == getpgrp()). A job started
// in the background of a shell (`dropbox-post run &`) is not: reading from
// the terminal or changing its modes would get it SIGTTIN or SIGTTOU, and
// the shell would stop it until `fg`. When the terminal's group cannot be
// read, it answers true, as if the check did not exist.
func foreground(tty *os.File) bool {
	var pgrp int32 // a pid_t
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, tty.Fd(), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp))); errno != 0 {
		return true
	}
	return int(pgrp) == syscall.Getpgrp()
}
