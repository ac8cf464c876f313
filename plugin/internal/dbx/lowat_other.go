//go:build !(linux || darwin)

package dbx

import "syscall"

// limitUnsent does nothing here: where TCP_NOTSENT_LOWAT is unknown, bytes
// counted as written (WithSending) may run ahead of the network by the
// connection's send buffer.
func limitUnsent(_, _ string, _ syscall.RawConn) error { return nil }
