//go:build linux || darwin

package dbx

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Every connection keeps at most notSentLowat bytes unsent in the kernel,
// so that bytes counted as written are bytes on their way.
func TestConnectionsLimitUnsentData(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := newBaseTransport(1, time.Minute).DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*stallConn).Conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	raw.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT) })
	if gerr != nil || v != notSentLowat {
		t.Fatalf("TCP_NOTSENT_LOWAT %d (%v), want %d", v, gerr, notSentLowat)
	}
}
