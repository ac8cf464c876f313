package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/configschema"
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

// The shim (scripts/dropbox-post.py) takes every --password=… out of the
// call it passes on, so that none is on the binary's command line (which
// every local user can read in /proc/PID/cmdline) nor in its environment
// as DROPBOX_POST_PASSWORD, and hands over the last one: through an
// inherited pipe named by envPasswordFD, or, on Windows, where no pipe
// survives the hand-over, in envCallPassword; and how many there were in
// envPasswordCount, by which the binary tells the password written in the
// config (which DROPBOX_POST_PASSWORD beats) from -k's, which librec-auto
// appends after it.
const (
	envPasswordFD    = "DROPBOX_POST_PASSWORD_FD"
	envCallPassword  = "DROPBOX_POST_CALL_PASSWORD"
	envPasswordCount = "DROPBOX_POST_PASSWORD_COUNT"
)

// callPassword is the password of a librec-auto call: the last of its
// count --password params.
type callPassword struct {
	given secret.Given
	count int
}

// schema returns pw as configschema has it, for study.CallElement.
func (pw callPassword) schema() configschema.CallPassword {
	if !pw.given.Set {
		return configschema.CallPassword{}
	}
	return configschema.CallPassword{Last: configschema.Secret(pw.given.Value.Reveal()), Count: pw.count}
}

// shimPassword reads, once, the password the shim handed over (see
// envPasswordFD): the pipe is closed and the variables removed from this
// process's environment, so no child inherits them. It is not Set when the
// shim handed over none. A shim older than envPasswordCount gives no count:
// one --password is assumed.
func shimPassword(env *Env) (callPassword, error) {
	fdVar, countVar, value := env.Getenv(envPasswordFD), env.Getenv(envPasswordCount), env.Getenv(envCallPassword)
	for _, v := range []string{envPasswordFD, envPasswordCount, envCallPassword} {
		_ = os.Unsetenv(v)
	}
	bad := func(name, v, why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%s=%q: %s", name, v, why),
			"it is set by scripts/dropbox-post.py only; unset it")
	}
	count := 1
	if countVar != "" {
		n, err := strconv.Atoi(countVar)
		if err != nil || n < 1 {
			return callPassword{}, bad(envPasswordCount, countVar, "not a count of --password params")
		}
		count = n
	}
	switch {
	case fdVar != "":
		given, err := pipePassword(fdVar, func(why string) error { return bad(envPasswordFD, fdVar, why) })
		return callPassword{given, count}, err
	case countVar != "": // Windows: the password is in envCallPassword, maybe empty
		return callPassword{secret.Give(value), count}, nil
	case value != "": // never printed: it holds a password
		return callPassword{}, exit.New(exit.Usage, envCallPassword+" is set without "+envPasswordCount,
			"it is set by scripts/dropbox-post.py only; unset it (give a password with "+secret.EnvVar+")")
	}
	return callPassword{}, nil
}

// pipePassword reads the password from the pipe whose descriptor v names.
func pipePassword(v string, bad func(why string) error) (secret.Given, error) {
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
