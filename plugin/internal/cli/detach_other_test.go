//go:build !unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// detachTerminal does nothing where there is no controlling terminal to
// leave.
func detachTerminal() {}

// runDetached is the notty program: where there is no controlling terminal
// to leave, it runs args as a child and exits as it does.
func runDetached(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "notty: %v\n", err)
		return 127
	}
	return 0
}
