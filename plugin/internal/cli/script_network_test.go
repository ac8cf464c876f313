package cli

import (
	"net"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptDeadPortCmd is the scenarios' "deadport" command: it points
// DROPBOX_API_URL at a loopback port nobody listens on (a listener opened
// and closed at once), so that every connection is refused, as when
// Dropbox cannot be reached.
func scriptDeadPortCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: deadport")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := ln.Addr().String()
	ts.Check(ln.Close())
	ts.Setenv("DROPBOX_API_URL", "http://"+addr)
	ts.Setenv("DEADPORT", addr)
}
