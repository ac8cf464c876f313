package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// passwordFlags are the ways to give a key file's password on the command
// line: -k/--key_password (librec-auto's flag), --password (the convention
// librec-auto calls its post scripts with) and --password-file. Any command
// that opens or writes a key file registers them and calls resolve or
// open; which source wins is decided by package secret alone.
//
// The passwords are held as secret.Password from the moment pflag parses
// them: no help text, flag error, log line or %v can print one, so they
// need no redactor (which, searching text for a common word, would garble
// the program's own words and show where the password is).
type passwordFlags struct {
	keyPassword passwordValue
	password    passwordValue
	file        pathValue
}

// register adds the flags to fs.
func (p *passwordFlags) register(fs *pflag.FlagSet) {
	fs.VarP(&p.keyPassword, "key_password", "k", "password of the key file (librec-auto's -k); -k '' is the empty password")
	fs.Var(&p.password, "password", "password of the key file (as librec-auto passes it to post scripts)")
	fs.Var(&p.file, "password-file", "read the password from `FILE` (one trailing newline removed)")
}

// passwordValue is a pflag.Value that holds a password and prints as "".
type passwordValue struct{ given secret.Given }

func (v *passwordValue) Set(s string) error { v.given = secret.Give(s); return nil }
func (v *passwordValue) String() string     { return "" }
func (v *passwordValue) Type() string       { return "string" }

// pathValue is a pflag.Value for a path that is nil until given.
type pathValue struct{ path *string }

func (v *pathValue) Set(s string) error { v.path = &s; return nil }
func (v *pathValue) Type() string       { return "string" }
func (v *pathValue) String() string {
	if v.path == nil {
		return ""
	}
	return *v.path
}

// request returns every place the password may come from: these flags,
// and what env offers (see passwordRequest).
func (p *passwordFlags) request(env *Env) secret.Request {
	return env.passwordRequest(secret.Request{KeyPassword: p.keyPassword.given, Password: p.password.given, PasswordFile: p.file.path})
}

// resolve finds the password: the flags, then DROPBOX_POST_PASSWORD, then a
// prompt on the controlling terminal (twice when confirm, for a new file).
// It never blocks without a terminal. what names the file in the prompt.
func (p *passwordFlags) resolve(ctx context.Context, env *Env, what string, confirm bool) (secret.Password, error) {
	r := p.request(env)
	r.For, r.Confirm = what, confirm
	pw, _, err := secret.Resolve(ctx, r)
	return pw, err
}

// open resolves the password and calls try with it, asking again when one
// typed at the terminal is wrong (secret.Open).
func (p *passwordFlags) open(ctx context.Context, env *Env, what string, try func(secret.Password) error) error {
	r := p.request(env)
	r.For = what
	return secret.Open(ctx, r, try)
}

// passwordRequest completes r with what env offers: stdin (for
// --password-file -), DROPBOX_POST_PASSWORD, the controlling terminal, the
// logger, and a warning that --quiet does not silence for a password
// written in the config. Call it once the run's log is set up.
func (env *Env) passwordRequest(r secret.Request) secret.Request {
	r.Stdin, r.Getenv, r.Warn, r.Log = env.Stdin, env.Getenv, env.warnLoudly, env.Log
	if env.Prompt != nil {
		r.Terminal = &secret.Terminal{TTY: env.TTY, ReadPassword: env.ReadPassword, Prompt: env.Prompt, Before: env.endProgress}
	}
	return r
}

// warnLoudly writes a warning that --quiet does not silence, on stderr
// and so in the run log.
func (env *Env) warnLoudly(msg string) {
	opts := env.logOpts
	opts.Quiet = false
	logging.New(env.Stderr, env.Redactor, opts).Warn(msg)
}

// envPasswordFD names the inherited pipe through which scripts/dropbox-post.py
// hands over the --password librec-auto gave it, so that the password is
// never on the binary's command line (which every local user can read in
// /proc/PID/cmdline) nor in its environment.
const envPasswordFD = "DROPBOX_POST_PASSWORD_FD"

// shimPassword reads the password the shim passed through the pipe named by
// DROPBOX_POST_PASSWORD_FD, once: the pipe is closed and the variable
// removed from this process's environment, so no child inherits either.
// It is not Set when the variable is not set.
func shimPassword(env *Env) (secret.Given, error) {
	v := env.Getenv(envPasswordFD)
	if v == "" {
		return secret.Given{}, nil
	}
	_ = os.Unsetenv(envPasswordFD)
	bad := func(why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%s=%q: %s", envPasswordFD, v, why),
			"it is set by scripts/dropbox-post.py only; unset it")
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return secret.Given{}, bad("not a file descriptor above 2")
	}
	f := os.NewFile(uintptr(fd), "password pipe")
	if f == nil {
		return secret.Given{}, bad("not an open file descriptor")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return secret.Given{}, bad("not an open pipe")
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil || len(b) > 64<<10 {
		return secret.Given{}, bad("cannot read the password from it")
	}
	return secret.Give(string(b)), nil
}
