package cli

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// passwordFlags are the ways to give a key file's password on the command
// line: -k/--key_password (librec-auto's flag), --password (the convention
// librec-auto calls its post scripts with) and --password-file. Any command
// that opens or writes a key file registers them and calls resolve.
//
// The passwords are held as secret.Password from the moment pflag parses
// them: no help text, flag error, log line or %v can print one, so they
// need no redactor (which, searching text for a common word, would garble
// the program's own words and show where the password is).
type passwordFlags struct {
	keyPassword passwordValue
	password    passwordValue
	file        string
	flags       *pflag.FlagSet
}

// register adds the flags to fs.
func (p *passwordFlags) register(fs *pflag.FlagSet) {
	fs.VarP(&p.keyPassword, "key_password", "k", "password of the key file (librec-auto's -k); -k '' is the empty password")
	fs.Var(&p.password, "password", "password of the key file (as librec-auto passes it to post scripts)")
	fs.StringVar(&p.file, "password-file", "", "read the password from `FILE` (one trailing newline removed)")
	p.flags = fs
}

// passwordValue is a pflag.Value that holds a password and prints as "".
type passwordValue struct{ pw secret.Password }

func (v *passwordValue) Set(s string) error { v.pw = secret.NewPassword(s); return nil }
func (v *passwordValue) String() string     { return "" }
func (v *passwordValue) Type() string       { return "string" }

// resolve finds the password: the flags, then DROPBOX_POST_PASSWORD, then a
// prompt when stdin is a terminal (twice when confirm, for a new file). It
// never blocks without a terminal. for names the file in the prompt.
func (p *passwordFlags) resolve(ctx context.Context, env *Env, what string, confirm bool) (secret.Password, error) {
	given := func(name, value string) secret.Given {
		return secret.Given{Value: value, Set: p.flags != nil && p.flags.Changed(name)}
	}
	restore := saveTerminal(env)
	pw, src, err := secret.Resolve(ctx, secret.Request{
		KeyPassword:  given("key_password", p.keyPassword.pw.Reveal()),
		Password:     given("password", p.password.pw.Reveal()),
		PasswordFile: given("password-file", p.file),
		Getenv:       env.Getenv,
		Terminal:     env.StdinTerminal,
		ReadPassword: env.ReadPassword,
		Prompt:       env.Stderr,
		For:          what,
		Confirm:      confirm,
	})
	if errors.Is(err, context.Canceled) {
		restore()
	}
	if err != nil {
		return secret.Password{}, err
	}
	env.Log.Debug("password found", "from", src.String())
	return secret.NewPassword(pw), nil
}

// saveTerminal returns a function that puts the terminal on stdin back as
// it is now. A prompt interrupted by Ctrl-C leaves its read running with
// echo off; this turns echo back on before the program exits.
func saveTerminal(env *Env) func() {
	f, ok := env.Stdin.(*os.File)
	if !ok || !env.StdinTerminal || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	state, err := term.GetState(int(f.Fd()))
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(int(f.Fd()), state) }
}
