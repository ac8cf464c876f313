package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWatchCmdline is the shim scenarios' "watchcmdline SECRET" command: it
// reads /proc/PID/cmdline and /proc/PID/environ of every background command
// of the script, again and again until each has exited, and fails if SECRET
// is in any of them once the process is the dropbox-post binary (the shim
// replaces itself with it; before that, the Python command line is what
// librec-auto made). It fails too if it never saw the binary running. No
// clock is asserted: it polls until the process is gone.
func cmdWatchCmdline(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: watchcmdline SECRET")
	}
	secret := []byte(args[0])
	bg := ts.BackgroundCmds()
	if len(bg) == 0 {
		ts.Fatalf("watchcmdline: no background command to watch")
	}
	seen := 0
	for _, c := range bg {
		proc := filepath.Join("/proc", strconv.Itoa(c.Process.Pid))
		for {
			stat, err := os.ReadFile(filepath.Join(proc, "stat"))
			if err != nil || processState(stat) == 'Z' {
				break
			}
			cmdline, err1 := os.ReadFile(filepath.Join(proc, "cmdline"))
			environ, err2 := os.ReadFile(filepath.Join(proc, "environ"))
			argv := bytes.Split(cmdline, []byte{0})
			if err1 == nil && err2 == nil && len(argv) > 0 && filepath.Base(string(argv[0])) == "dropbox-post" {
				seen++
				if bytes.Contains(cmdline, secret) {
					ts.Fatalf("the password is on the binary's command line: %q", strings.ReplaceAll(string(cmdline), "\x00", " "))
				}
				if bytes.Contains(environ, secret) {
					ts.Fatalf("the password is in the binary's environment")
				}
			}
			time.Sleep(time.Millisecond)
		}
	}
	if seen == 0 {
		ts.Fatalf("watchcmdline: never saw the dropbox-post binary running (it ended too fast? give the emulator more --latency)")
	}
	ts.Logf("watchcmdline: read the binary's command line %d times", seen)
}

// processState returns the state letter of a /proc/PID/stat line.
func processState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}
