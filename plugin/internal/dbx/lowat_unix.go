//go:build linux || darwin

package dbx

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// notSentLowat is how much data a connection's kernel may hold that it
// has not sent yet (TCP_NOTSENT_LOWAT); a write waits beyond it. Without
// it the kernel takes megabytes of a request's body at once (its send
// buffer grows to 4 MiB on Linux), and bytes counted as they are written
// (WithSending) run far ahead of the network: a pack of small files on a
// slow link looked sent in a second. Data sent and not yet acknowledged
// is not counted against it, so a fast link is not slowed.
const notSentLowat = 128 << 10

// limitUnsent sets notSentLowat on a connection being dialed (a
// net.Dialer's Control); a system that refuses it is not an error.
func limitUnsent(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, notSentLowat)
	})
}
