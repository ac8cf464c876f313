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

	"github.com/hashicorp/go-hclog"
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

// Given is a password from a flag or a config, and whether it was given
// at all: an explicitly given empty password is a real password.
type Given struct {
	Value Password
	Set   bool
}

// Give returns s as a given password.
func Give(s string) Given { return Given{Value: NewPassword(s), Set: true} }

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

// Request is every place a password may come from, for Resolve and Open,
// which alone decide between them. The zero value of every field is safe:
// no flags, no environment, no config, no terminal.
type Request struct {
	KeyPassword  Given     // -k / --key_password
	Password     Given     // --password (librec-auto's script convention)
	PasswordFile *string   // --password-file: a path, or "-" for Stdin; nil: not given
	Stdin        io.Reader // what --password-file - reads (nil: it is refused)

	Getenv func(string) string // nil: no environment

	// Config is a password written in the study's config, at ConfigAt
	// (`"conf/config.xml", element 1 (line 3)`). It counts only when no
	// flag and no environment gives one, and then Warn says loudly that
	// anyone who can read the config can read the password. A password
	// from anywhere else that is the same is warned about too.
	Config   Given
	ConfigAt string
	Warn     func(string) // nil: the warning is lost

	// Terminal is where a person can be asked; nil: no one can.
	Terminal *Terminal

	// For names what the password is for in the prompt, e.g. `key file
	// "k.key"`. Confirm asks twice and refuses a mismatch or an empty
	// password: for a new key file.
	For     string
	Confirm bool

	Log hclog.Logger // where the password was found, as a debug line; nil: not said
}

// Resolve returns the password and where it came from: -k, --password,
// --password-file, DROPBOX_POST_PASSWORD, the config's (with a warning),
// then a prompt on the terminal. A password from elsewhere that is the
// config's is warned about too: anyone with the config can read it. With no password given and no terminal,
// or a terminal whose foreground this process is not in, it returns at
// once an *exit.Error with code NoPassword naming the ways to give one. A
// ctx cancelled while a prompt waits makes Resolve return at once an error
// with code Interrupted that wraps ctx's error, with the terminal's modes
// put back.
func Resolve(ctx context.Context, r Request) (Password, Source, error) {
	pw, src, err := find(ctx, r)
	if err != nil {
		return Password{}, 0, err
	}
	if r.Log != nil {
		r.Log.Debug("password found", "from", src.String())
	}
	if src != FromConfig && r.Config.Set && pw == r.Config.Value && r.Warn != nil {
		r.Warn(sameAsConfigWarning(src, r.ConfigAt))
	}
	return pw, src, nil
}

// find is Resolve without the debug line.
func find(ctx context.Context, r Request) (Password, Source, error) {
	if r.Terminal != nil && r.Terminal.Before != nil {
		r.Terminal.Before()
	}
	switch {
	case r.KeyPassword.Set:
		return r.KeyPassword.Value, FromKeyPassword, nil
	case r.Password.Set:
		return r.Password.Value, FromPassword, nil
	case r.PasswordFile != nil && *r.PasswordFile == "-":
		pw, err := readStdin(r.Stdin)
		return NewPassword(pw), FromFile, err
	case r.PasswordFile != nil:
		pw, err := readFile(*r.PasswordFile)
		return NewPassword(pw), FromFile, err
	}
	if r.Getenv != nil {
		if pw := r.Getenv(EnvVar); pw != "" {
			return NewPassword(pw), FromEnv, nil
		}
	}
	if r.Config.Set {
		if r.Warn != nil {
			r.Warn(configWarning(r.ConfigAt))
		}
		return r.Config.Value, FromConfig, nil
	}
	t := r.Terminal
	if t == nil || t.ReadPassword == nil {
		return Password{}, 0, exit.New(exit.NoPassword, "no password given, and no terminal to ask for one", noPasswordFix)
	}
	if t.TTY != nil && !foreground(t.TTY) {
		return Password{}, 0, exit.New(exit.NoPassword,
			"no password given, and no terminal to ask for one (this run is in the background: a prompt would stop it until 'fg')", noPasswordFix)
	}
	restore := SaveTerminal(t.TTY)
	pw, err := prompt(ctx, r)
	if errors.Is(err, context.Canceled) {
		restore()
	}
	return NewPassword(pw), FromPrompt, err
}

// configWarning says that the password written in the config at where is
// used, and what that costs.
func configWarning(where string) string {
	return "using the password written in the config (" + where + "): anyone who can read the config can read it and decrypt the key; " +
		`write <param name="password"/> and give the password with -k, --password-file or ` + EnvVar + " instead"
}

// sameAsConfigWarning says that the password given by src is the one
// written in the config at where, and what that costs.
func sameAsConfigWarning(src Source, where string) string {
	return "the password from " + src.String() + " is the one written in the config (" + where + "): anyone who can read the config can read it and decrypt the key; " +
		`write <param name="password"/> instead, and encrypt the key again (dropbox-post encrypt) with a new password that is in no config`
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
