//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// detachTerminal starts a new session for a scenario's dropbox-post, so
// that it has no controlling terminal even when 'go test' runs on one:
// otherwise a scenario expecting "no terminal" (exit 6) would prompt on the
// developer's terminal. A scenario started with testscript's ttyin already
// leads a session with a pseudo-terminal as its controlling terminal;
// setsid then fails (EPERM) and that terminal is kept, as wanted.
func detachTerminal() { _, _ = syscall.Setsid() }

// runDetached is the notty program: it becomes args[0] (found on PATH),
// run with args, in a session of its own without a controlling terminal,
// so that nothing it starts can write on the terminal 'go test' runs on
// (the shim writes its "cannot find the dropbox-post program" on
// /dev/tty when stderr is not a terminal, as it must under librec-auto).
func runDetached(args []string) int {
	detachTerminal()
	path, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "notty: %v\n", err)
		return 127
	}
	err = syscall.Exec(path, args, os.Environ())
	fmt.Fprintf(os.Stderr, "notty: %v\n", err)
	return 126
}
