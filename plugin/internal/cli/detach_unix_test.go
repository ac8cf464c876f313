//go:build unix

package cli

import "syscall"

// detachTerminal starts a new session for a scenario's dropbox-post, so
// that it has no controlling terminal even when 'go test' runs on one:
// otherwise a scenario expecting "no terminal" (exit 6) would prompt on the
// developer's terminal. A scenario started with testscript's ttyin already
// leads a session with a pseudo-terminal as its controlling terminal;
// setsid then fails (EPERM) and that terminal is kept, as wanted.
func detachTerminal() { _, _ = syscall.Setsid() }
