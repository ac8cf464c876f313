package keyfile

import (
	"errors"
	"unicode"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// whitespaceHint adds to a wrong-password error a question when the
// password given starts or ends with white space: a trailing newline from a
// password file written with echo, a carriage return from a Windows file,
// a space copied with the password. It names the kind of character, never
// the password; the password itself is not changed or tried without it.
func whitespaceHint(err error, password string) error {
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.WrongPassword || password == "" {
		return err
	}
	where, what := "", ""
	last := []rune(password)
	switch {
	case unicode.IsSpace(last[len(last)-1]):
		where, what = "ends", spaceName(last[len(last)-1])
	case unicode.IsSpace(last[0]):
		where, what = "starts", spaceName(last[0])
	default:
		return err
	}
	hinted := *e
	hinted.Fix = "the password given " + where + " with " + what + ": was that meant? " + e.Fix
	return &hinted
}

func spaceName(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return (a Windows line end?)"
	case '\t':
		return "a tab"
	}
	return "white space"
}
