// Package secret finds the password of a key file without ever blocking an
// unattended run. It looks, in order, at -k/--key_password (librec-auto's
// flag), --password (librec-auto's script convention), --password-file, the
// environment variable DROPBOX_POST_PASSWORD, a password written in the
// study's config (with a warning), and only then, when a person is at a
// terminal in its foreground, asks on it without echo.
package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// EnvVar is the environment variable that may hold the password. An empty
// value counts as not set; give an empty password with -k ” instead.
const EnvVar = "DROPBOX_POST_PASSWORD"

// noPasswordFix names the ways to give a password when none was given.
const noPasswordFix = "pass -k PASSWORD, --password-file FILE, or set " + EnvVar

// maxFileSize bounds what is read from a --password-file.
const maxFileSize = 64 << 10

// Given is a value from a flag, and whether the flag was given at all: an
// explicitly given empty password is a real password.
type Given struct {
	Value string
	Set   bool
}

// Source says where a password came from.
type Source int

// The places a password comes from. They are looked at in this order,
// except FromConfig, which comes after FromEnv (see Resolve).
const (
	FromKeyPassword Source = iota + 1 // -k / --key_password
	FromPassword                      // --password
	FromFile                          // --password-file
	FromEnv                           // DROPBOX_POST_PASSWORD
	FromPrompt                        // typed at the terminal
	FromConfig                        // written in the study's config
)

// String names the source as a user would write it.
func (s Source) String() string {
	switch s {
	case FromKeyPassword:
		return "-k/--key_password"
	case FromPassword:
		return "--password"
	case FromFile:
		return "--password-file"
	case FromEnv:
		return EnvVar
	case FromConfig:
		return "the config"
	case FromPrompt:
		return "the terminal"
	}
	return "nowhere"
}

// Request is what Resolve looks at. The zero value of every field is safe:
// no flags, no environment, no terminal.
type Request struct {
	KeyPassword  Given     // -k / --key_password
	Password     Given     // --password
	PasswordFile Given     // --password-file: a path, or "-" for Stdin
	Stdin        io.Reader // what --password-file - reads (nil: it is refused)

	Getenv func(string) string // nil: no environment

	// Config is a password written in the study's config, at ConfigAt
	// (`"conf/config.xml":9`). It counts only when no flag and no
	// environment gives one, and then Warn says loudly that anyone who can
	// read the config can read the password.
	Config   Given
	ConfigAt string
	Warn     func(string) // nil: the warning is lost

	// Terminal says whether a person can be asked; ReadPassword reads one
	// line without echo and is called only when Terminal is true. Prompts
	// go to Prompt. The caller reads and writes the controlling terminal
	// (/dev/tty), as getpass does, whatever stdin, stdout and stderr are.
	// TTY is that terminal when known: a process that is not in its
	// foreground process group (a shell's background job) is not asked,
	// since the shell would stop it at the prompt until `fg`.
	Terminal     bool
	ReadPassword func() ([]byte, error)
	Prompt       io.Writer
	TTY          *os.File

	// For names what the password is for in the prompt, e.g. `key file
	// "k.key"`. Confirm asks twice and refuses a mismatch or an empty
	// password: for a new key file.
	For     string
	Confirm bool
}

// Resolve returns the password and where it came from. With no password
// given and no terminal, or a terminal whose foreground this process is
// not in, it returns at once an *exit.Error with code NoPassword naming
// the ways to give one. A ctx cancelled while a prompt
// waits makes Resolve return at once an error with code Interrupted that
// wraps ctx's error.
func Resolve(ctx context.Context, r Request) (string, Source, error) {
	switch {
	case r.KeyPassword.Set:
		return r.KeyPassword.Value, FromKeyPassword, nil
	case r.Password.Set:
		return r.Password.Value, FromPassword, nil
	case r.PasswordFile.Set && r.PasswordFile.Value == "-":
		pw, err := readStdin(r.Stdin)
		return pw, FromFile, err
	case r.PasswordFile.Set:
		pw, err := readFile(r.PasswordFile.Value)
		return pw, FromFile, err
	}
	if r.Getenv != nil {
		if pw := r.Getenv(EnvVar); pw != "" {
			return pw, FromEnv, nil
		}
	}
	if r.Config.Set {
		if r.Warn != nil {
			r.Warn(configWarning(r.ConfigAt))
		}
		return r.Config.Value, FromConfig, nil
	}
	if !r.Terminal || r.ReadPassword == nil {
		return "", 0, exit.New(exit.NoPassword, "no password given, and no terminal to ask for one", noPasswordFix)
	}
	if r.TTY != nil && !foreground(r.TTY) {
		return "", 0, exit.New(exit.NoPassword,
			"no password given, and no terminal to ask for one (this run is in the background: a prompt would stop it until 'fg')", noPasswordFix)
	}
	pw, err := prompt(ctx, r)
	return pw, FromPrompt, err
}

// configWarning says that the password written in the config at where is
// used, and what that costs.
func configWarning(where string) string {
	return "using the password written in the config (" + where + "): anyone who can read the config can read it and decrypt the key; " +
		`write <param name="password"/> and give the password with -k, --password-file or ` + EnvVar + " instead"
}

// readStdin reads the password piped to stdin (--password-file -), to its
// end, less one trailing newline. A terminal is refused: a password typed
// there would show; dropbox-post asks for one without echo by itself.
func readStdin(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", exit.New(exit.Usage, "--password-file - reads the password from stdin, and there is none here", "give the path of a file that holds the password")
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", exit.New(exit.Usage, "--password-file - reads the password from stdin, which is a terminal here",
			"pipe the password in (--password-file - <FILE), or give no password option to be asked for it without echo")
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxFileSize+1))
	switch {
	case err != nil:
		return "", exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read the password from stdin: %v", err), "")
	case len(b) > maxFileSize:
		return "", exit.New(exit.Local, fmt.Sprintf("stdin holds more than %d KiB: no password is that long", maxFileSize>>10), "pipe in only the password")
	}
	return trimNewline(b), nil
}

// readFile returns the content of a password file, less one trailing
// "\n" or "\r\n".
func readFile(path string) (string, error) {
	fix := "give the path of a readable file that holds the password"
	if path == "" {
		return "", exit.New(exit.Usage, "--password-file is empty", fix)
	}
	f, err := regularfile.Open(path) // never a FIFO, device or folder: refused at once
	if nr := (*regularfile.NotRegularError)(nil); errors.As(err, &nr) && !nr.IsDir() {
		fix = "give the path of a regular file that holds the password, or pipe the password to --password-file -"
	}
	if err != nil {
		return "", exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read password file %s: %v", path, cause(err)), fix)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	switch {
	case err != nil:
		return "", exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read password file %s: %v", path, cause(err)), fix)
	case len(b) > maxFileSize:
		return "", exit.New(exit.Local, fmt.Sprintf("password file %s is larger than %d KiB", path, maxFileSize>>10), fix)
	}
	return trimNewline(b), nil
}

// trimNewline returns b less one trailing "\n" or "\r\n".
func trimNewline(b []byte) string {
	if t, ok := bytes.CutSuffix(b, []byte("\n")); ok {
		b = bytes.TrimSuffix(t, []byte("\r"))
	}
	return string(b)
}

// cause strips the path from an *fs.PathError, which the message already names.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
