package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// The OAuth2 endpoints. /oauth2/authorize approves every request at once
// (there is no user to ask): without a redirect_uri it shows the code on a
// page, as Dropbox's no-redirect flow does, inside <code id="auth-code">;
// with one it redirects with code and state. /oauth2/token exchanges codes
// (PKCE with S256 or plain, or the app secret) and refresh tokens.

// codeLifetime is how long an authorization code can be exchanged.
const codeLifetime = 10 * time.Minute

// knownScope reports whether Dropbox would accept scope in an authorize
// request.
func knownScope(scope string) bool {
	return slices.Contains(allScopes, scope) || scope == "openid" || scope == "email" || scope == "profile"
}

// app returns the registered app with this key; with no registered apps
// every key names an app without a secret.
func (a *authStore) app(key string) (App, bool) {
	if len(a.apps) == 0 {
		return App{Key: key}, key != ""
	}
	app, ok := a.apps[key]
	return app, ok
}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := func(status int, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>" + html.EscapeString(title) +
			"</title></head><body>\n<h1>" + html.EscapeString(title) + "</h1>\n" + body + "\n</body></html>\n"))
	}
	refuse := func(msg string) { page(http.StatusBadRequest, "Error (400)", "<p>"+html.EscapeString(msg)+"</p>") }

	clientID := q.Get("client_id")
	if _, ok := s.auth.app(clientID); !ok {
		refuse("Invalid client_id: " + clientID)
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		refuse(`response_type must be "code" (got "` + rt + `")`)
		return
	}
	method := q.Get("code_challenge_method")
	challenge := q.Get("code_challenge")
	if challenge != "" && method == "" {
		method = "plain"
	}
	if challenge != "" && method != "S256" && method != "plain" {
		refuse("code_challenge_method must be S256 or plain")
		return
	}
	switch q.Get("token_access_type") {
	case "", "online", "offline", "legacy":
	default:
		refuse("token_access_type must be online, offline or legacy")
		return
	}
	var scopes []string
	if sc := strings.Fields(q.Get("scope")); len(sc) > 0 {
		for _, one := range sc {
			if !knownScope(one) {
				refuse("Invalid scope: " + one)
				return
			}
		}
		scopes = sc
	}
	redirect := q.Get("redirect_uri")
	var target *url.URL
	if redirect != "" {
		var err error
		if target, err = url.Parse(redirect); err != nil || !target.IsAbs() {
			refuse("Invalid redirect_uri: " + redirect)
			return
		}
	}

	code := store.RandomToken(32)
	s.auth.mu.Lock()
	s.auth.codes[code] = &authCode{
		app: clientID, redirectURI: redirect, challenge: challenge, method: method,
		scopes: scopes, offline: q.Get("token_access_type") == "offline",
		expires: time.Now().Add(codeLifetime),
	}
	s.auth.mu.Unlock()

	if target != nil {
		v := target.Query()
		v.Set("code", code)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		target.RawQuery = v.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
		return
	}
	page(http.StatusOK, "API Request Authorized",
		"<p>Enter this code into your app to finish linking it:</p>\n<code id=\"auth-code\">"+code+"</code>")
}

// tokenResponse is the JSON answer of /oauth2/token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	UID          string `json:"uid,omitempty"`
	AccountID    string `json:"account_id,omitempty"`
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "could not parse the request")
		return
	}
	clientID, secret := r.Form.Get("client_id"), r.Form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		clientID, secret = user, pass
	}
	if clientID == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "No auth function available for given request")
		return
	}
	app, ok := s.auth.app(clientID)
	if !ok || (secret != "" && app.Secret != "" && !equal(secret, app.Secret)) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	switch gt := r.Form.Get("grant_type"); gt {
	case "authorization_code":
		s.exchangeCode(w, r, app, secret)
	case "refresh_token":
		s.exchangeRefresh(w, r, app, secret)
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "No grant_type")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt+" is not supported")
	}
}

// secretOK reports whether a client that does not prove PKCE proved it is
// the app: with its secret, or with any secret when no apps are
// registered. A registered app without a secret can only use PKCE.
func (a *authStore) secretOK(app App, secret string) bool {
	if app.Secret != "" {
		return equal(secret, app.Secret)
	}
	return len(a.apps) == 0 && secret != ""
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request, app App, secret string) {
	code := r.Form.Get("code")
	if code == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "No code")
		return
	}
	a := s.auth
	a.mu.Lock()
	ac := a.codes[code]
	if ac != nil && time.Now().After(ac.expires) {
		delete(a.codes, code)
		ac = nil
	}
	a.mu.Unlock()
	switch {
	case ac == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code doesn't exist or has expired")
		return
	case ac.app != app.Key:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code was issued to a different app")
		return
	case ac.redirectURI != r.Form.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
		return
	}
	if ac.challenge != "" {
		verifier := r.Form.Get("code_verifier")
		if verifier == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "No code_verifier")
			return
		}
		if !pkceMatches(ac.method, ac.challenge, verifier) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "invalid code verifier")
			return
		}
	} else if !a.secretOK(app, secret) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	a.mu.Lock()
	if a.codes[code] != ac { // exchanged meanwhile
		a.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code doesn't exist or has expired")
		return
	}
	delete(a.codes, code)
	a.mu.Unlock()

	resp := tokenResponse{TokenType: "bearer", UID: accountUID, AccountID: accountID}
	if ac.offline {
		rt, err := a.issueRefresh(app.Key, ac.scopes, ac.challenge != "")
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		resp.RefreshToken = rt
	}
	var lifetime time.Duration
	resp.AccessToken, lifetime = a.issueAccess(ac.scopes, resp.RefreshToken)
	resp.ExpiresIn = int64(lifetime / time.Second)
	resp.Scope = scopeString(ac.scopes)
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) exchangeRefresh(w http.ResponseWriter, r *http.Request, app App, secret string) {
	tok := r.Form.Get("refresh_token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "No refresh_token")
		return
	}
	a := s.auth
	a.mu.RLock()
	rt := a.refresh[tok]
	a.mu.RUnlock()
	switch {
	case rt == nil:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token is invalid or revoked")
		return
	case rt.app != app.Key:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "refresh token was issued to a different app")
		return
	case !rt.pkce && !a.secretOK(app, secret):
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	scopes := rt.scopes
	if asked := strings.Fields(r.Form.Get("scope")); len(asked) > 0 {
		granted := rt.scopes
		if granted == nil {
			granted = allScopes
		}
		for _, sc := range asked {
			if !slices.Contains(granted, sc) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "scope "+sc+" was not granted")
				return
			}
		}
		scopes = asked
	}
	access, lifetime := a.issueAccess(scopes, tok)
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: access, TokenType: "bearer", ExpiresIn: int64(lifetime / time.Second)})
}

// pkceMatches checks a code verifier against its challenge (RFC 7636).
func pkceMatches(method, challenge, verifier string) bool {
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return equal(base64.RawURLEncoding.EncodeToString(sum[:]), challenge)
	}
	return equal(verifier, challenge)
}

func scopeString(scopes []string) string {
	if scopes == nil {
		scopes = allScopes
	}
	return strings.Join(scopes, " ")
}
