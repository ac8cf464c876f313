// Package credential holds a Dropbox credential: either an access token, or
// a refresh credential (app key, optional app secret, refresh token) that
// lasts. It reads what users have (a bare token, .env lines, JSON), writes
// the canonical form that key files hold, and never shows a secret when
// printed.
package credential

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says which sort of credential a Credential is.
type Kind int

// The kinds of credential.
const (
	None        Kind = iota // the zero Credential
	AccessToken             // a bearer token, short-lived (hours) or legacy long-lived
	Refresh                 // an app key, optional app secret and offline refresh token
)

// String returns a name for the kind, for messages.
func (k Kind) String() string {
	switch k {
	case AccessToken:
		return "access token"
	case Refresh:
		return "refresh token"
	}
	return "no credential"
}

// Credential is a Dropbox credential. The zero value holds nothing. Its
// fields are unexported so that neither fmt nor encoding/json can print
// them by accident; read them with the accessor methods.
type Credential struct {
	accessToken  string
	appKey       string
	appSecret    string
	refreshToken string
	scope        string // the scopes Dropbox granted, space-separated; "" when not recorded
}

// NewAccessToken returns a credential holding an access token.
func NewAccessToken(token string) (Credential, error) {
	if err := checkValue("access token", token); err != nil {
		return Credential{}, err
	}
	return Credential{accessToken: token}, nil
}

// NewRefresh returns a refresh credential. appSecret may be empty: apps
// authorised with PKCE refresh with the app key alone.
func NewRefresh(appKey, appSecret, refreshToken string) (Credential, error) {
	switch {
	case appKey == "" && refreshToken == "":
		return Credential{}, errors.New("the refresh credential has neither an app key nor a refresh token")
	case appKey == "":
		return Credential{}, errors.New("incomplete refresh credential: the refresh token has no app key (DROPBOX_APP_KEY, app_key)")
	case refreshToken == "":
		return Credential{}, errors.New("incomplete refresh credential: the app key has no refresh token (DROPBOX_REFRESH_TOKEN, refresh_token)")
	}
	for _, f := range []struct{ name, v string }{
		{"app key", appKey}, {"refresh token", refreshToken},
	} {
		if err := checkValue(f.name, f.v); err != nil {
			return Credential{}, err
		}
	}
	if appSecret != "" {
		if err := checkValue("app secret", appSecret); err != nil {
			return Credential{}, err
		}
	}
	return Credential{appKey: appKey, appSecret: appSecret, refreshToken: refreshToken}, nil
}

// checkValue refuses values that no Dropbox token or key has: empty ones,
// and ones with spaces, control characters, quotes or backslashes. The
// value itself is never put in the error. What it lets through ($, ;, |,
// &, parentheses) is quoted by EnvQuote when printed for a shell.
func checkValue(name, v string) error {
	if v == "" {
		return fmt.Errorf("the %s is empty", name)
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c <= ' ' || c >= 0x7f:
			return fmt.Errorf("the %s contains a space, a control or a non-ASCII character (at byte %d), which no Dropbox %s has", name, i+1, name)
		case c == '"' || c == '\'' || c == '\\' || c == '`':
			return fmt.Errorf("the %s contains a quote or a backslash (at byte %d), which no Dropbox %s has", name, i+1, name)
		}
	}
	return nil
}

// Kind returns the kind of credential.
func (c Credential) Kind() Kind {
	switch {
	case c.accessToken != "":
		return AccessToken
	case c.refreshToken != "":
		return Refresh
	}
	return None
}

// IsZero reports whether c holds nothing.
func (c Credential) IsZero() bool { return c == Credential{} }

// AccessToken returns the access token, or "" for a refresh credential.
func (c Credential) AccessToken() string { return c.accessToken }

// AppKey returns the app key of a refresh credential. It identifies the app
// and is not itself a secret.
func (c Credential) AppKey() string { return c.appKey }

// AppSecret returns the app secret of a refresh credential, or "" (PKCE).
func (c Credential) AppSecret() string { return c.appSecret }

// RefreshToken returns the refresh token of a refresh credential.
func (c Credential) RefreshToken() string { return c.refreshToken }

// Secrets returns the secret strings c holds (token, app secret), for a
// log redactor. The app key is not a secret and is not returned.
func (c Credential) Secrets() []string {
	var s []string
	for _, v := range []string{c.accessToken, c.appSecret, c.refreshToken} {
		if v != "" {
			s = append(s, v)
		}
	}
	return s
}

// WithScopes returns c recording the scopes Dropbox granted it, as 'auth'
// reads them from the token answer, so that 'secrets export' can tell a
// credential that can write from one that cannot. Scopes no Dropbox scope
// looks like are left out; with none left, nothing is recorded.
func (c Credential) WithScopes(scopes []string) Credential {
	var ok []string
	for _, s := range scopes {
		if checkValue("scope", s) == nil {
			ok = append(ok, s)
		}
	}
	c.scope = strings.Join(ok, " ")
	return c
}

// Scopes returns the scopes recorded with c, or nil when none were (key
// files written before scopes were recorded, access tokens, credentials
// given to 'encrypt').
func (c Credential) Scopes() []string {
	if c.scope == "" {
		return nil
	}
	return strings.Fields(c.scope)
}

// CanWrite reports whether c's recorded scopes let it change anything on
// Dropbox (any ".write" scope), and whether the scopes are known at all.
func (c Credential) CanWrite() (canWrite, known bool) {
	scopes := c.Scopes()
	for _, s := range scopes {
		if strings.HasSuffix(s, ".write") {
			return true, true
		}
	}
	return false, len(scopes) > 0
}
