package credential

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The forms in which 'decrypt' and 'secrets export' print a credential:
// .env lines, which a shell may source, and a Streamlit secrets.toml
// section. A credential may come from a hostile OAuth endpoint or a key
// file someone else wrote, so every value is quoted so that reading it
// runs nothing and gives back exactly the value, or refused.

// field is one value of a credential as it is printed.
type field struct {
	env, toml string // its .env name and its secrets.toml key
	value     string
}

// what names the field in a message: "refresh token".
func (f field) what() string { return strings.ReplaceAll(f.toml, "_", " ") }

// exported returns the fields c prints, in order, leaving out empty ones.
func (c Credential) exported() []field {
	var out []field
	for _, f := range []field{
		{EnvAccessToken, "access_token", c.accessToken},
		{EnvAppKey, "app_key", c.appKey},
		{EnvAppSecret, "app_secret", c.appSecret},
		{EnvRefreshToken, "refresh_token", c.refreshToken},
	} {
		if f.value != "" {
			out = append(out, f)
		}
	}
	return out
}

// EnvLines returns c as .env lines, each NAME='value' and a newline, which
// Parse reads back:
//
//	DROPBOX_ACCESS_TOKEN='…'
//
// or
//
//	DROPBOX_APP_KEY='…'
//	DROPBOX_APP_SECRET='…'      (only when there is one)
//	DROPBOX_REFRESH_TOKEN='…'
//
// Sourcing them with sh or bash, or reading them with python-dotenv, runs
// nothing and gives back each value exactly (see envQuote); a value that
// cannot be written so is an error naming the field, never its value.
func (c Credential) EnvLines() ([]byte, error) {
	return c.envLines(false)
}

// EnvLinesWithScope is EnvLines followed, when c records scopes, by
// DROPBOX_SCOPE='SCOPE SCOPE …': what 'decrypt' prints, so that a
// credential decrypted and encrypted again keeps its scopes.
func (c Credential) EnvLinesWithScope() ([]byte, error) {
	return c.envLines(true)
}

func (c Credential) envLines(scope bool) ([]byte, error) {
	var b bytes.Buffer
	fields := c.exported()
	if scope && c.scope != "" {
		fields = append(fields, field{EnvScope, "scope", c.scope})
	}
	for _, f := range fields {
		q, err := envQuote(f.value)
		if err != nil {
			return nil, fmt.Errorf("the %s %w", f.what(), err)
		}
		b.WriteString(f.env + "=" + q + "\n")
	}
	return b.Bytes(), nil
}

// StreamlitSecrets returns c as a [dropbox] table of Streamlit's
// .streamlit/secrets.toml (access_token, or app_key, app_secret and
// refresh_token), each value a TOML basic string.
func (c Credential) StreamlitSecrets() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[dropbox]\n")
	for _, f := range c.exported() {
		if err := checkPrintable(f.value); err != nil {
			return nil, fmt.Errorf("the %s %w", f.what(), err)
		}
		// In a TOML basic string only " and \ need an escape once control
		// characters are refused; $ and the rest mean nothing to TOML.
		fmt.Fprintf(&b, "%s = \"%s\"\n", f.toml, escapeQuotes.Replace(f.value))
	}
	return b.Bytes(), nil
}

// envQuote returns v quoted for the value of a NAME=VALUE line that sh and
// bash (sourcing it) and python-dotenv (reading it as .env) all read back as
// exactly v, running and expanding nothing:
//
//   - 'v' when v holds no ' and no \: nothing is special between single
//     quotes for a shell, and python-dotenv decodes only \\ and \' there;
//   - "v" with \ and " escaped when v holds no $ and no `: what stays
//     special between double quotes for a shell, and python-dotenv decodes
//     exactly those two escapes the same way.
//
// It refuses a value that neither form can hold; one that ends in a
// backslash (python-dotenv reads \" as an escaped quote, even after
// another backslash); one holding "${" (python-dotenv replaces it with a
// variable's value, whatever the quotes); and one holding a control
// character (a newline, a tab, a carriage return, DEL or a C1 control) or
// bytes that are not UTF-8. The error never holds v.
func envQuote(v string) (string, error) {
	if err := checkPrintable(v); err != nil {
		return "", err
	}
	switch {
	case strings.Contains(v, "${"):
		return "", fmt.Errorf(`holds "${", which python-dotenv replaces with a variable's value whatever the quotes (at byte %d)`, strings.Index(v, "${")+1)
	case !strings.ContainsAny(v, `'\`):
		return "'" + v + "'", nil
	case strings.HasSuffix(v, `\`):
		return "", errors.New(`ends in a backslash, which python-dotenv takes for an escape of the closing quote`)
	case !strings.ContainsAny(v, "$`"):
		return `"` + escapeQuotes.Replace(v) + `"`, nil
	}
	return "", errors.New("holds both a quote or backslash and a $ or backtick: no quoting reads back the same in a shell and in python-dotenv")
}

// escapeQuotes escapes \ and " with a backslash: inside double quotes,
// what a TOML basic string, python-dotenv and (without $ and `) a shell
// all read back the same way.
var escapeQuotes = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// checkPrintable refuses bytes that are not UTF-8 and control characters:
// no line-based reader gets them back exactly. The error never holds v.
func checkPrintable(v string) error {
	for i, r := range v {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(v[i:], "\uFFFD"):
			return fmt.Errorf("is not valid UTF-8 (at byte %d)", i+1)
		case unicode.IsControl(r):
			return fmt.Errorf("holds a control character such as a newline or a tab (at byte %d), which cannot be written on one line", i+1)
		}
	}
	return nil
}
