//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/runlog"
)

// stoppedExit is backgroundMain's exit code when the job was stopped.
const stoppedExit = 99

// backgroundMain is "dropbox-post-background ARGS…", a shell running
// "dropbox-post ARGS… &" on the terminal it leads: dropbox-post starts in a
// process group of its own, which is not the terminal's foreground group,
// and backgroundMain waits for it. A job stopped by the terminal (SIGTTOU or
// SIGTTIN, as a shell's background job is when it reads the terminal or
// changes its modes) is reported, killed, and exit 99: the test sees a
// stopped run at once instead of waiting for it.
func backgroundMain() int {
	cmd := exec.Command("dropbox-post", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a job of its own, in the background
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "background:", err)
		return 98
	}
	var fg int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, os.Stdin.Fd(), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&fg))); errno != 0 || int(fg) == cmd.Process.Pid {
		fmt.Fprintf(os.Stderr, "background: the job is not in the background (foreground group %d, errno %v)\n", fg, errno)
		cmd.Process.Kill()
		return 98
	}
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(cmd.Process.Pid, &ws, syscall.WUNTRACED, nil)
		switch {
		case err == syscall.EINTR:
		case err != nil:
			fmt.Fprintln(os.Stderr, "background:", err)
			return 98
		case ws.Stopped():
			fmt.Fprintf(os.Stderr, "background: the job was stopped by %v\n", ws.StopSignal())
			cmd.Process.Kill()
			return stoppedExit
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			fmt.Fprintf(os.Stderr, "background: the job was killed by %v\n", ws.Signal())
			return 98
		}
	}
}

// TestBackgroundNoPrompt: 'dropbox-post run &' on a terminal, with no
// password given, is not stopped by the shell at the prompt: it exits 6 at
// once with the usual message, on stderr and in the study's run log, and
// asks nothing.
func TestBackgroundNoPrompt(t *testing.T) {
	base := startTTYEmulator(t, emulator.Options{})
	study := keyStudy(t)
	r := startProgramOnTTY(t, study, base, "dropbox-post-background", "run", "--no-manifest")
	code := r.wait(t)
	out := r.out.String()
	if code != 6 {
		t.Fatalf("exit code %d, want 6 at once:\n%q", code, out)
	}
	const want = "dropbox-post: no password given, and no terminal to ask for one (this run is in the background"
	if !strings.Contains(out, want) {
		t.Errorf("the terminal does not say %q:\n%q", want, out)
	}
	if strings.Contains(out, "Password for") {
		t.Errorf("a background run asked for the password:\n%q", out)
	}
	logs, _ := filepath.Glob(filepath.Join(study, runlog.Dir, "*.log"))
	if len(logs) != 1 {
		t.Fatalf("%d run logs, want 1", len(logs))
	}
	b, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "outcome: failed (exit 6): no password given, and no terminal to ask for one (this run is in the background") {
		t.Errorf("the run log does not give the outcome:\n%s", b)
	}
}
