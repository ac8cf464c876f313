package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
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
// prompt on the controlling terminal (twice when confirm, for a new file).
// It never blocks without a terminal. what names the file in the prompt.
func (p *passwordFlags) resolve(ctx context.Context, env *Env, what string, confirm bool) (secret.Password, error) {
	pw, _, err := p.resolveFrom(ctx, env, what, confirm, configPassword{})
	return pw, err
}

// configPassword is a password written in a study's config, and where.
type configPassword struct {
	pw secret.Given
	at string
}

// resolveFrom is resolve, also saying where the password came from, with a
// password written in the config after the environment.
func (p *passwordFlags) resolveFrom(ctx context.Context, env *Env, what string, confirm bool, config configPassword) (secret.Password, secret.Source, error) {
	given := func(name, value string) secret.Given {
		return secret.Given{Value: value, Set: p.flags != nil && p.flags.Changed(name)}
	}
	if env.Prompt != nil {
		env.endProgress() // a prompt on the terminal must not share a line with the status line
	}
	restore := saveTerminal(env)
	pw, src, err := secret.Resolve(ctx, secret.Request{
		KeyPassword:  given("key_password", p.keyPassword.pw.Reveal()),
		Password:     given("password", p.password.pw.Reveal()),
		PasswordFile: given("password-file", p.file),
		Stdin:        env.Stdin,
		Getenv:       env.Getenv,
		Config:       config.pw,
		ConfigAt:     config.at,
		Warn:         env.warnLoudly,
		Terminal:     env.Prompt != nil && env.ReadPassword != nil,
		ReadPassword: env.ReadPassword,
		Prompt:       env.Prompt,
		TTY:          env.TTY,
		For:          what,
		Confirm:      confirm,
	})
	if errors.Is(err, context.Canceled) {
		restore()
	}
	if err != nil {
		return secret.Password{}, 0, err
	}
	env.Log.Debug("password found", "from", src.String())
	return secret.NewPassword(pw), src, nil
}

// promptTries is how many times a password typed at the terminal is asked
// for when it is wrong.
const promptTries = 3

// open resolves the password and calls try with it. When the password was
// typed at the terminal and try finds it wrong (exit code 4), it says so on
// the terminal and asks again, up to promptTries times in all; a password
// from anywhere else is tried once.
func (p *passwordFlags) open(ctx context.Context, env *Env, what string, try func(secret.Password) error) error {
	return p.openWith(ctx, env, what, configPassword{}, try)
}

// openWith is open with a password written in the config, which counts
// after the environment's.
func (p *passwordFlags) openWith(ctx context.Context, env *Env, what string, config configPassword, try func(secret.Password) error) error {
	for n := 1; ; n++ {
		pw, src, err := p.resolveFrom(ctx, env, what, false, config)
		if err != nil {
			return err
		}
		err = try(pw)
		if err == nil || src != secret.FromPrompt || exit.CodeOf(err) != exit.WrongPassword || n == promptTries {
			return err
		}
		env.endProgress()
		fmt.Fprintf(env.Prompt, "Wrong password (try %d of %d).\n", n, promptTries)
	}
}

// warnLoudly writes a warning that --quiet does not silence, on stderr
// and so in the run log.
func (env *Env) warnLoudly(msg string) {
	opts := env.logOpts
	opts.Quiet = false
	logging.New(env.Stderr, env.Redactor, opts).Warn(msg)
}

// saveTerminal returns a function that puts the terminal back as it is
// now. A prompt interrupted by Ctrl-C leaves its read running with echo
// off; this turns echo back on before the program exits.
func saveTerminal(env *Env) func() {
	if env.TTY == nil || !term.IsTerminal(int(env.TTY.Fd())) {
		return func() {}
	}
	fd := int(env.TTY.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, state) }
}

// envPasswordFD names the inherited pipe through which scripts/dropbox-post.py
// hands over the --password librec-auto gave it, so that the password is
// never on the binary's command line (which every local user can read in
// /proc/PID/cmdline) nor in its environment.
const envPasswordFD = "DROPBOX_POST_PASSWORD_FD"

// shimPassword reads the password the shim passed through the pipe named by
// DROPBOX_POST_PASSWORD_FD, once: the pipe is closed and the variable
// removed from this process's environment, so no child inherits either.
// given is false when the variable is not set.
func shimPassword(env *Env) (pw *string, given bool, err error) {
	v := env.Getenv(envPasswordFD)
	if v == "" {
		return nil, false, nil
	}
	_ = os.Unsetenv(envPasswordFD)
	bad := func(why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%s=%q: %s", envPasswordFD, v, why),
			"it is set by scripts/dropbox-post.py only; unset it")
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, false, bad("not a file descriptor above 2")
	}
	f := os.NewFile(uintptr(fd), "password pipe")
	if f == nil {
		return nil, false, bad("not an open file descriptor")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return nil, false, bad("not an open pipe")
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil || len(b) > 64<<10 {
		return nil, false, bad("cannot read the password from it")
	}
	s := string(b)
	return &s, true, nil
}
