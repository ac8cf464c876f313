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

// cmdWatchCmdline is 'watchcmdline [-env-ok] SECRET'. It reads
// /proc/PID/cmdline and /proc/PID/environ of every background command of
// the script, and of their child processes, again and again until each
// background command has exited, and fails if SECRET is in any of them once
// the process is the dropbox-post binary (the shim replaces itself with it
// on Unix, and starts it as a child on Windows; before that, the Python
// command line is what librec-auto made). With -env-ok, the binary's
// environment may hold SECRET (the Windows shim's way). It fails too if it
// never saw the binary running. No clock is asserted: it polls until the
// process is gone.
func cmdWatchCmdline(ts *testscript.TestScript, neg bool, args []string) {
	envOK := len(args) == 2 && args[0] == "-env-ok"
	if envOK {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: watchcmdline [-env-ok] SECRET")
	}
	secret := []byte(args[0])
	bg := ts.BackgroundCmds()
	if len(bg) == 0 {
		ts.Fatalf("watchcmdline: no background command to watch")
	}
	seen := 0
	check := func(proc string) {
		cmdline, err1 := os.ReadFile(filepath.Join(proc, "cmdline"))
		environ, err2 := os.ReadFile(filepath.Join(proc, "environ"))
		argv := bytes.Split(cmdline, []byte{0})
		if err1 != nil || err2 != nil || len(argv) == 0 || filepath.Base(string(argv[0])) != "dropbox-post" {
			return
		}
		seen++
		if bytes.Contains(cmdline, secret) {
			ts.Fatalf("the password is on the binary's command line: %q", strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
		if !envOK && bytes.Contains(environ, secret) {
			ts.Fatalf("the password is in the binary's environment")
		}
	}
	for _, c := range bg {
		pid := c.Process.Pid
		proc := filepath.Join("/proc", strconv.Itoa(pid))
		for {
			stat, err := os.ReadFile(filepath.Join(proc, "stat"))
			if err != nil || processState(stat) == 'Z' {
				break
			}
			check(proc)
			for _, child := range children(pid) {
				check(child)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if seen == 0 {
		ts.Fatalf("watchcmdline: never saw the dropbox-post binary running (it ended too fast? give the emulator more --latency)")
	}
	ts.Logf("watchcmdline: read the binary's command line %d times", seen)
}

// children returns the /proc folders of the processes whose parent is pid.
func children(pid int) []string {
	// Linux lists them in /proc/PID/task/TID/children (for each thread).
	var out []string
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			out = append(out, filepath.Join("/proc", f))
		}
	}
	return out
}

// processState returns the state letter of a /proc/PID/stat line.
func processState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}
