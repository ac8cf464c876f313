package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The .env names, as librec-auto studies, Streamlit dashboards and
// EnvLines use them.
const (
	EnvAccessToken  = "DROPBOX_ACCESS_TOKEN"
	EnvAppKey       = "DROPBOX_APP_KEY"
	EnvAppSecret    = "DROPBOX_APP_SECRET"
	EnvRefreshToken = "DROPBOX_REFRESH_TOKEN"
	// EnvScope is the scopes recorded with a credential (not a secret),
	// as 'decrypt' prints them, so that 'encrypt' keeps them.
	EnvScope = "DROPBOX_SCOPE"
)

// ErrEmpty is returned by Parse for an input with nothing but whitespace.
var ErrEmpty = errors.New("the credential is empty")

// fields are the four values a credential may be read from.
type fields struct {
	AccessToken  string `json:"access_token"`
	AppKey       string `json:"app_key"`
	AppSecret    string `json:"app_secret"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"` // recorded by auth; not a secret
}

// Parse reads a credential as a user gives it to 'encrypt --key':
//
//   - a bare access token; surrounding whitespace (a trailing newline, CRLF)
//     is removed;
//   - .env lines, NAME=value, with DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY,
//     DROPBOX_APP_SECRET (optional) and DROPBOX_REFRESH_TOKEN; blank lines,
//     # comments, "export " and quoted values are allowed, other names are
//     ignored;
//   - a JSON object with the same fields in lower case (access_token,
//     app_key, app_secret, refresh_token); other fields are ignored.
//
// A complete refresh credential wins over an access token given with it,
// since the access token expires. Errors never contain any of the input.
func Parse(text []byte) (Credential, error) {
	s := strings.TrimSpace(string(bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))))
	switch {
	case s == "":
		return Credential{}, ErrEmpty
	case s[0] == '{':
		f, err := parseJSON(s, false)
		if err != nil {
			return Credential{}, err
		}
		return f.credential()
	case envLine.MatchString(s) || strings.Contains(s, "\n") && anyEnvLine(s):
		f, err := parseEnv(s)
		if err != nil {
			return Credential{}, err
		}
		return f.credential()
	case strings.ContainsAny(s, "\r\n"):
		return Credential{}, fmt.Errorf("the credential has several lines but no %s= or %s= line", EnvAccessToken, EnvRefreshToken)
	}
	return NewAccessToken(s)
}

// credential turns the fields into a Credential: a refresh credential when a
// refresh token is there, else an access token.
func (f fields) credential() (Credential, error) {
	c, err := f.secrets()
	if err != nil {
		return c, err
	}
	return c.WithScopes(strings.Fields(f.Scope)), nil
}

func (f fields) secrets() (Credential, error) {
	switch {
	case f.RefreshToken != "":
		return NewRefresh(f.AppKey, f.AppSecret, f.RefreshToken)
	case f.AccessToken != "":
		return NewAccessToken(f.AccessToken)
	case f.AppKey != "" || f.AppSecret != "":
		return NewRefresh(f.AppKey, f.AppSecret, "")
	}
	return Credential{}, fmt.Errorf("no credential found: give %s, or %s and %s", EnvAccessToken, EnvAppKey, EnvRefreshToken)
}

// envLine matches a NAME=value line; the name is submatch 1.
var envLine = regexp.MustCompile(`^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=`)

func anyEnvLine(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if envLine.MatchString(strings.TrimSpace(line)) {
			return true
		}
	}
	return false
}

// parseEnv reads .env lines. The last of repeated names wins, as in a shell.
func parseEnv(s string) (fields, error) {
	var f fields
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		m := envLine.FindStringSubmatchIndex(line)
		if m == nil {
			return fields{}, fmt.Errorf("line %d is not a NAME=value line", i+1)
		}
		name, value := line[m[2]:m[3]], strings.TrimSpace(line[m[1]:])
		if value != "" && (value[0] == '"' || value[0] == '\'') {
			if len(value) < 2 || value[len(value)-1] != value[0] {
				return fields{}, fmt.Errorf("line %d (%q): the quoted value has no closing quote", i+1, name)
			}
			value = value[1 : len(value)-1]
		}
		switch name {
		case EnvAccessToken:
			f.AccessToken = value
		case EnvAppKey:
			f.AppKey = value
		case EnvAppSecret:
			f.AppSecret = value
		case EnvRefreshToken:
			f.RefreshToken = value
		case EnvScope:
			f.Scope = value
		}
	}
	return f, nil
}

// parseJSON reads a JSON object. strict refuses fields other than the four.
// Errors say where, never what: the input holds secrets.
func parseJSON(s string, strict bool) (fields, error) {
	var f fields
	dec := json.NewDecoder(strings.NewReader(s))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(&f)
	if err == nil && strings.TrimSpace(s[dec.InputOffset():]) != "" {
		return fields{}, fmt.Errorf("the credential has data after its JSON object (at byte %d)", dec.InputOffset()+1)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return f, nil
	case errors.As(err, &syn):
		return fields{}, fmt.Errorf("the credential is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		return fields{}, fmt.Errorf("the credential's JSON field %q is not a string", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fields{}, fmt.Errorf("the credential's JSON has an unknown field %q", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	}
	return fields{}, errors.New("the credential is not valid JSON (it ends too early)")
}
