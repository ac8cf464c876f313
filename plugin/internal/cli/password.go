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
type passwordFlags struct {
	keyPassword string
	password    string
	file        string
	flags       *pflag.FlagSet
}

// register adds the flags to fs.
func (p *passwordFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&p.keyPassword, "key_password", "k", "", "password of the key file (librec-auto's -k); -k '' is the empty password")
	fs.StringVar(&p.password, "password", "", "password of the key file (as librec-auto passes it to post scripts)")
	fs.StringVar(&p.file, "password-file", "", "read the password from `FILE` (one trailing newline removed)")
	p.flags = fs
}

// resolve finds the password: the flags, then DROPBOX_POST_PASSWORD, then a
// prompt when stdin is a terminal (twice when confirm, for a new file). It
// never blocks without a terminal. for names the file in the prompt. The
// password is registered with the log redactor.
func (p *passwordFlags) resolve(ctx context.Context, env *Env, what string, confirm bool) (string, error) {
	given := func(name, value string) secret.Given {
		return secret.Given{Value: value, Set: p.flags != nil && p.flags.Changed(name)}
	}
	restore := saveTerminal(env)
	pw, src, err := secret.Resolve(ctx, secret.Request{
		KeyPassword:  given("key_password", p.keyPassword),
		Password:     given("password", p.password),
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
		return "", err
	}
	env.Redactor.Add(pw)
	env.Log.Debug("password found", "from", src.String())
	return pw, nil
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
