package emulator

import (
	"strings"
	"sync"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// allScopes are the scopes of the emulated app; a token issued without a
// scope list has them all.
var allScopes = []string{
	"account_info.read",
	"files.content.read", "files.content.write",
	"files.metadata.read", "files.metadata.write",
	"sharing.read", "sharing.write",
}

// accessToken is a bearer token the API accepts.
type accessToken struct {
	expires time.Time       // zero: never
	scopes  map[string]bool // nil: every scope
	refresh string          // the refresh token it was made from, if any
}

// refreshToken is an offline grant.
type refreshToken struct {
	app    string
	scopes []string
	pkce   bool // obtained with PKCE: refreshing needs no secret
}

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	app         string
	redirectURI string
	challenge   string
	method      string // S256 or plain
	scopes      []string
	offline     bool
	expires     time.Time
}

// authStore holds tokens, refresh tokens and authorization codes.
type authStore struct {
	lifetime time.Duration
	apps     map[string]App // empty: any client_id is accepted
	store    *store.Store   // for persisting refresh tokens

	mu      sync.RWMutex
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	codes   map[string]*authCode
}

func newAuthStore(o Options, st *store.Store) *authStore {
	a := &authStore{
		lifetime: o.TokenLifetime,
		apps:     map[string]App{},
		store:    st,
		access:   map[string]*accessToken{},
		refresh:  map[string]*refreshToken{},
		codes:    map[string]*authCode{},
	}
	for _, app := range o.Apps {
		a.apps[app.Key] = app
	}
	for _, t := range o.Tokens {
		a.access[t] = &accessToken{}
	}
	for _, rec := range st.RefreshTokens() {
		a.refresh[rec.Token] = &refreshToken{app: rec.App, scopes: rec.Scopes, pkce: rec.PKCE}
	}
	return a
}

// authorize checks the bearer token and the route's scope, answering 400
// or 401 as Dropbox does when they are wrong.
func (c *call) authorize() bool {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		h = c.r.URL.Query().Get("authorization")
	}
	if h == "" {
		c.bad(`Must provide HTTP header "Authorization" or URL parameter "authorization".`)
		return false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		c.bad(`Invalid authorization value in HTTP header "Authorization": "` + h + `".  Expecting "Bearer <oauth2-access-token>".`)
		return false
	}
	a := c.s.auth
	a.mu.RLock()
	t := a.access[tok]
	a.mu.RUnlock()
	switch {
	case t == nil && c.s.malformedToken(tok):
		c.bad("The given OAuth 2 access token is malformed.")
		return false
	case t == nil:
		writeAuthError(c.w, store.U("invalid_access_token"))
		return false
	case !t.expires.IsZero() && time.Now().After(t.expires):
		writeAuthError(c.w, store.U("expired_access_token"))
		return false
	case c.route.scope != "" && !t.allows(c.route.scope):
		writeAuthError(c.w, store.U("missing_scope", "required_scope", c.route.scope))
		return false
	}
	c.token = tok
	return true
}

// allows reports whether the token grants scope. A write scope implies
// the read scope of the same family, and content access implies metadata
// access.
func (t *accessToken) allows(scope string) bool {
	if t.scopes == nil || t.scopes[scope] {
		return true
	}
	if family, ok := strings.CutSuffix(scope, ".read"); ok && t.scopes[family+".write"] {
		return true
	}
	return scope == "files.metadata.read" && (t.scopes["files.content.read"] || t.scopes["files.content.write"])
}

// issueAccess makes a short-lived access token, from the refresh token
// refresh if it is not "".
func (a *authStore) issueAccess(scopes []string, refresh string) (string, time.Duration) {
	tok := "sl.emu-" + store.RandomToken(48)
	t := &accessToken{expires: time.Now().Add(a.lifetime), refresh: refresh}
	if scopes != nil {
		t.scopes = map[string]bool{}
		for _, s := range scopes {
			t.scopes[s] = true
		}
	}
	a.mu.Lock()
	a.access[tok] = t
	a.mu.Unlock()
	return tok, a.lifetime
}

// issueRefresh makes (and persists) a refresh token.
func (a *authStore) issueRefresh(app string, scopes []string, pkce bool) (string, error) {
	tok := store.RandomToken(48)
	a.mu.Lock()
	a.refresh[tok] = &refreshToken{app: app, scopes: scopes, pkce: pkce}
	ticket, err := a.store.PersistRefresh(tok, app, scopes, pkce)
	a.mu.Unlock()
	if err == nil {
		err = a.store.Sync(ticket)
	}
	return tok, err
}

// AddToken makes token a valid access token that never expires.
func (s *Server) AddToken(token string) {
	s.auth.mu.Lock()
	s.auth.access[token] = &accessToken{}
	s.auth.mu.Unlock()
}

// ExpireTokens makes every access token, including those that never
// expire, answer 401 expired_access_token. Refresh tokens still work.
func (s *Server) ExpireTokens() {
	past := time.Now().Add(-time.Second)
	s.auth.mu.Lock()
	for _, t := range s.auth.access {
		t.expires = past
	}
	s.auth.mu.Unlock()
}

// NewRefreshToken issues a refresh token for appKey, as the offline PKCE
// flow would, with the given scopes (none: every scope).
func (s *Server) NewRefreshToken(appKey string, scopes ...string) (string, error) {
	if len(scopes) == 0 {
		scopes = nil
	}
	return s.auth.issueRefresh(appKey, scopes, true)
}

// RevokeRefreshToken revokes a refresh token and every access token made
// from it; it reports whether the token existed.
func (s *Server) RevokeRefreshToken(token string) (bool, error) {
	a := s.auth
	a.mu.Lock()
	_, ok := a.refresh[token]
	delete(a.refresh, token)
	for tok, t := range a.access {
		if t.refresh == token {
			delete(a.access, tok)
		}
	}
	var ticket uint64
	var err error
	if ok {
		ticket, err = a.store.PersistRevoke(token)
	}
	a.mu.Unlock()
	if err == nil {
		err = a.store.Sync(ticket)
	}
	return ok, err
}
