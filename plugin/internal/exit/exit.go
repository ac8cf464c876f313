// Package exit defines the errors the dropbox-post command reports to its
// user and the process exit codes that go with them.
//
// Library packages return an *exit.Error when they know what the user did
// wrong and how to fix it; the command prints it once, as
// "dropbox-post: <what went wrong>: <what to do>", and exits with its Code.
// Any other error is reported with code Failure.
package exit

import (
	"errors"
	"fmt"
)

// Code is a process exit code. The values are part of the documented
// interface (README, "Exit codes") and must not change.
type Code int

// Exit codes, as documented in the README.
const (
	OK            Code = 0   // everything asked for was done
	Failure       Code = 1   // an unexpected error, or some transfers failed
	Usage         Code = 2   // bad flags or arguments
	Config        Code = 3   // the study config is invalid
	WrongPassword Code = 4   // the key file's password is wrong
	KeyFile       Code = 5   // the key file is missing, damaged or of an unknown format
	NoPassword    Code = 6   // no password given and no terminal to ask on
	Auth          Code = 7   // Dropbox refused the credential (invalid, expired, revoked)
	Dropbox       Code = 8   // Dropbox (or the network) failed after retries
	Mismatch      Code = 9   // verify: local and Dropbox differ
	Local         Code = 10  // a local file could not be read or written
	Protocol      Code = 11  // a server answered what Dropbox's API never answers
	Unreachable   Code = 12  // a host could not be reached for the network timeout
	Full          Code = 13  // the Dropbox account has no room for what is to be posted
	Interrupted   Code = 130 // stopped by SIGINT / SIGTERM
)

// Error is an error meant for the user: what went wrong, what to do about
// it, and the exit code.
type Error struct {
	Code Code
	What string // what went wrong, without a trailing period
	Fix  string // what the user can do next; may be empty
	Err  error  // the underlying cause, if any (not printed; for errors.Is/As)
}

// New returns an *Error with the given code, message and fix.
func New(code Code, what, fix string) *Error {
	return &Error{Code: code, What: what, Fix: fix}
}

// Wrap returns an *Error that keeps err as its cause. what should already
// describe err for the user; err itself is not printed.
func Wrap(code Code, err error, what, fix string) *Error {
	return &Error{Code: code, What: what, Fix: fix, Err: err}
}

// Error returns "<what>: <fix>", or just what when there is no fix.
func (e *Error) Error() string {
	if e.Fix == "" {
		return e.What
	}
	return e.What + ": " + e.Fix
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the exit code that err should produce: OK for nil, the
// code of the first *Error in err's chain, or Failure.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failure
}

// Usagef returns a Usage error with a formatted message and a fix.
func Usagef(fix, format string, args ...any) *Error {
	return New(Usage, fmt.Sprintf(format, args...), fix)
}
