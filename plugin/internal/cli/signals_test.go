package cli

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFirstSignalCancelsSecondQuits(t *testing.T) {
	sigs := make(chan os.Signal)
	quit := make(chan int, 1)
	var notice syncBuffer
	ctx, stop := onSignals(context.Background(), sigs, &notice, func(code int) { quit <- code })
	defer stop()
	if ctx.Err() != nil {
		t.Fatal("cancelled before any signal")
	}
	sigs <- os.Interrupt
	<-ctx.Done()
	select {
	case code := <-quit:
		t.Fatalf("quit(%d) after one signal", code)
	default:
	}
	sigs <- syscall.SIGTERM
	if code := <-quit; code != 130 {
		t.Fatalf("second signal: quit(%d), want 130", code)
	}
	if got := notice.String(); !strings.Contains(got, "press Ctrl-C again to quit at once") || !strings.Contains(got, "quitting now") {
		t.Errorf("notices: %q", got)
	}
}

// TestSecondSignalEndsABlockedProcess runs the real signal handling in a
// child process whose work ignores its context (as a read of a FIFO or a
// request without a deadline would): the first SIGINT cannot stop it, the
// second ends it with exit code 130.
func TestSecondSignalEndsABlockedProcess(t *testing.T) {
	for _, second := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := exec.Command("dropbox-post-stuck")
		var stderr syncBuffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "blocked\n" {
			cmd.Process.Kill()
			t.Fatalf("child said %q, %v", line, err)
		}
		cmd.Process.Signal(syscall.SIGINT)
		for !strings.Contains(stderr.String(), "stopping") { // the first signal was handled
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(second)
		err = cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("after SIGINT and %v: exit code %d (%v); stderr: %s", second, code, err, stderr.String())
		}
	}
}

// stuckMain is the child of TestSecondSignalEndsABlockedProcess.
func stuckMain() int {
	return withSignals(os.Stderr, func() {}, func(ctx context.Context) int {
		os.Stdout.WriteString("blocked\n")
		select {} // ignores ctx
	})
}
