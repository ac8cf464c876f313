package credential

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Encode returns the canonical form of c that key files hold: a JSON
// object on one line, without a newline, with the fields in this order and
// empty ones left out:
//
//	{"access_token":"…"}
//	{"app_key":"…","app_secret":"…","refresh_token":"…","scope":"…"}
//
// scope (the scopes Dropbox granted, space-separated) is there when 'auth'
// recorded it.
// It returns nil for the zero Credential.
func (c Credential) Encode() []byte {
	if c.IsZero() {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		AccessToken  string `json:"access_token,omitempty"`
		AppKey       string `json:"app_key,omitempty"`
		AppSecret    string `json:"app_secret,omitempty"`
		RefreshToken string `json:"refresh_token,omitempty"`
		Scope        string `json:"scope,omitempty"`
	}{c.accessToken, c.appKey, c.appSecret, c.refreshToken, c.scope})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Decode reads the form Encode writes. It is stricter than Parse: the input
// must be one JSON object with no fields but the four and scope, holding either an
// access token or a refresh credential, not both.
func Decode(data []byte) (Credential, error) {
	f, err := parseJSON(string(data), true)
	if err != nil {
		return Credential{}, err
	}
	if f.AccessToken != "" && (f.AppKey != "" || f.AppSecret != "" || f.RefreshToken != "") {
		return Credential{}, errAmbiguous
	}
	return f.credential()
}

var errAmbiguous = errors.New("the credential holds both an access token and a refresh credential")
