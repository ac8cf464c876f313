package secret

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Terminal is where a person can be asked for a password: the controlling
// terminal (/dev/tty), as getpass asks, whatever stdin, stdout and stderr
// are.
type Terminal struct {
	// TTY is the terminal when known (nil in tests): a process that is not
	// in its foreground process group (a shell's background job) is not
	// asked, since the shell would stop it at the prompt until `fg`, and
	// its modes are put back when a prompt is interrupted.
	TTY *os.File
	// ReadPassword reads one line without echo; nil: no one can be asked.
	ReadPassword func() ([]byte, error)
	// Prompt is where prompts go; nil: nowhere.
	Prompt io.Writer
	// Before is called before a password is looked for, so that a prompt
	// does not share its line with a status line; nil: nothing to do.
	Before func()
}

// Tries is how many times Open asks for a password typed at the terminal
// when it is wrong.
const Tries = 3

// Open resolves the password (see Resolve) and calls try with it. When the
// password was typed at the terminal and try finds it wrong (exit code 4),
// it says so on the terminal and asks again, up to Tries times in all; a
// password from anywhere else is tried once.
func Open(ctx context.Context, r Request, try func(Password) error) error {
	for n := 1; ; n++ {
		pw, src, err := Resolve(ctx, r)
		if err != nil {
			return err
		}
		err = try(pw)
		if err == nil || src != FromPrompt || exit.CodeOf(err) != exit.WrongPassword || n == Tries {
			return err
		}
		if r.Terminal.Before != nil {
			r.Terminal.Before()
		}
		if r.Terminal.Prompt != nil {
			fmt.Fprintf(r.Terminal.Prompt, "Wrong password (try %d of %d).\n", n, Tries)
		}
	}
}

// SaveTerminal returns a function that puts the terminal tty (nil: none)
// back as it is now. A prompt interrupted by Ctrl-C leaves its read running
// with echo off; this turns echo back on before the program exits.
func SaveTerminal(tty *os.File) (restore func()) {
	if tty == nil || !term.IsTerminal(int(tty.Fd())) {
		return func() {}
	}
	fd := int(tty.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, state) }
}
