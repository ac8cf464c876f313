package dbx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/oauth"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/oauth2"
)

// refreshAhead is how long before its expiry an access token is refreshed,
// so that no request is sent with a token about to expire.
const refreshAhead = 5 * time.Minute

// Token is the credential a client sends: a fixed access token, or a
// refresh credential (app key, optional secret, refresh token) from which
// short-lived access tokens are made as needed.
type Token struct {
	AccessToken  string
	AppKey       string
	AppSecret    string
	RefreshToken string
}

// Refreshable reports whether new access tokens can be made.
func (t Token) Refreshable() bool { return t.AppKey != "" && t.RefreshToken != "" }

// tokenSource hands out the current access token, refreshing it through
// the SDK's oauth package when it is near expiry or Dropbox said it expired.
type tokenSource struct {
	cred    Token
	http    *http.Client // for the token endpoint: endpoint and retry layers, no auth
	log     hclog.Logger
	mu      sync.Mutex
	current *oauth2.Token
	refresh func(ctx context.Context) (*oauth2.Token, error)
}

func newTokenSource(cred Token, hc *http.Client, log hclog.Logger) *tokenSource {
	ts := &tokenSource{cred: cred, http: hc, log: log}
	if !cred.Refreshable() {
		ts.current = &oauth2.Token{AccessToken: cred.AccessToken}
	}
	ts.refresh = func(ctx context.Context) (*oauth2.Token, error) {
		opts := []oauth.Option{oauth.WithHTTPClient(ts.http)}
		if cred.AppSecret != "" {
			opts = append(opts, oauth.WithAppSecret(cred.AppSecret))
		}
		return oauth.Refresh(ctx, cred.AppKey, &oauth2.Token{RefreshToken: cred.RefreshToken}, opts...)
	}
	return ts
}

// token returns a usable access token, refreshing it if needed.
func (ts *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current != nil && (!ts.cred.Refreshable() || ts.current.Expiry.IsZero() || time.Until(ts.current.Expiry) > refreshAhead) {
		return ts.current, nil
	}
	tok, err := ts.refresh(ctx)
	if err != nil {
		return nil, &RefreshError{Err: err}
	}
	ts.log.Debug("access token refreshed", "expires", tok.Expiry.Format(time.RFC3339))
	ts.current = tok
	return tok, nil
}

// expired marks used as expired, so that the next call to token refreshes
// (unless another request already did). It reports whether a new token can
// be had.
func (ts *tokenSource) expired(used *oauth2.Token) bool {
	if !ts.cred.Refreshable() {
		return false
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current == used {
		ts.current = nil
	}
	return true
}

// RefreshError is returned when Dropbox refused to make a new access token
// from the refresh credential.
type RefreshError struct{ Err error }

func (e *RefreshError) Error() string { return "refreshing the access token: " + e.Err.Error() }
func (e *RefreshError) Unwrap() error { return e.Err }

// OAuthCode returns the OAuth error code Dropbox gave ("invalid_grant"…), if any.
func (e *RefreshError) OAuthCode() string {
	var re *oauth2.RetrieveError
	if errors.As(e.Err, &re) {
		return re.ErrorCode
	}
	return ""
}

// authTransport adds the bearer token, and after a 401
// expired_access_token gets a new token and sends the request once more.
type authTransport struct {
	next   http.RoundTripper
	tokens *tokenSource
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := makeReplayable(req); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		tok, err := t.tokens.token(req.Context())
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		if attempt > 0 && req.GetBody != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := t.next.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusUnauthorized || attempt > 0 {
			return resp, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if authErrorTag(body) != "expired_access_token" || !replayable || !t.tokens.expired(tok) {
			return resp, nil
		}
	}
}

// authErrorTag returns the tag of a 401 body, e.g. "expired_access_token".
func authErrorTag(body []byte) string {
	var e struct {
		Error struct {
			Tag string `json:".tag"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error.Tag
}
