package emulator

import (
	"context"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/oauth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
	"golang.org/x/oauth2"
)

var authCodeRE = regexp.MustCompile(`<code id="auth-code">([^<]+)</code>`)

// approve opens an authorize URL (as a browser would) and returns the code
// the page shows.
func approve(t *testing.T, base, authURL string) string {
	t.Helper()
	resp, err := rewritingClient(t, base).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := authCodeRE.FindSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("authorize page: %d %s", resp.StatusCode, page)
	}
	return string(m[1])
}

func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func TestPKCEFlowAndRefresh(t *testing.T) {
	_, base := start(t, Options{Apps: []App{{Key: "appkey", Secret: "appsecret"}}, TokenLifetime: time.Hour})
	ctx := context.Background()
	hc := rewritingClient(t, base)
	flow, err := oauth.NewPKCEFlow("appkey", oauth.WithHTTPClient(hc),
		oauth.WithScopes("files.content.write", "files.content.read", "account_info.read"))
	if err != nil {
		t.Fatal(err)
	}
	code := approve(t, base, flow.AuthCodeURL())
	tok, err := flow.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || time.Until(tok.Expiry) < 50*time.Minute || time.Until(tok.Expiry) > 61*time.Minute {
		t.Fatalf("token %+v", tok)
	}
	if sc, _ := tok.Extra("scope").(string); sc != "files.content.write files.content.read account_info.read" {
		t.Errorf("scope %q", sc)
	}
	if _, err := flow.Exchange(ctx, code); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("second exchange of a code: %v", err)
	}

	// The access token works within its scopes only.
	if _, err := users.New(config(base, tok.AccessToken)).GetCurrentAccount(); err != nil {
		t.Fatal(err)
	}
	_, err = files.New(config(base, tok.AccessToken)).ListFolder(files.NewListFolderArg(""))
	if err != nil {
		t.Errorf("files.content.read implies metadata read: %v", err)
	}
	// files.content.write covers delete: the route itself answers.
	_, err = files.New(config(base, tok.AccessToken)).DeleteV2(files.NewDeleteArg("/x"))
	if e, ok := as[files.DeleteV2APIError](err); !ok || e.EndpointError.Tag != "path_lookup" {
		t.Errorf("delete with files.content.write: %v", err)
	}
	// sharing.read was not asked for.
	status, _, body := raw(t, "POST", base+"/2/sharing/list_shared_links",
		map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Content-Type": "application/json"}, []byte("{}"))
	if status != 401 || !strings.Contains(body, `"required_scope":"sharing.read"`) {
		t.Errorf("out of scope: %d %s", status, body)
	}

	// Refresh with the app key alone (PKCE), then revoke.
	fresh, err := oauth.Refresh(ctx, "appkey", tok, oauth.WithHTTPClient(hc))
	if err != nil || fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %+v %v", fresh, err)
	}
	if _, err := users.New(config(base, fresh.AccessToken)).GetCurrentAccount(); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.Refresh(ctx, "otherkey", tok, oauth.WithHTTPClient(hc)); oauthErrorCode(err) != "invalid_client" {
		t.Errorf("refresh with an unknown app: %v", err)
	}
	status, _, _ = raw(t, "POST", base+"/emulator/revoke", nil, []byte(`{"refresh_token":"`+tok.RefreshToken+`"}`))
	if status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	_, err = oauth.Refresh(ctx, "appkey", tok, oauth.WithHTTPClient(hc))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != 400 {
		t.Fatalf("refresh after revoke: %v", err)
	}
}

func TestCodeExchangeChecks(t *testing.T) {
	_, base := start(t, Options{Apps: []App{{Key: "k", Secret: "s"}}})
	ctx := context.Background()
	hc := rewritingClient(t, base)

	// A wrong PKCE verifier.
	flow, _ := oauth.NewPKCEFlow("k", oauth.WithHTTPClient(hc))
	code := approve(t, base, flow.AuthCodeURL())
	other, _ := oauth.NewPKCEFlow("k", oauth.WithHTTPClient(hc))
	if _, err := other.Exchange(ctx, code); oauthErrorCode(err) != "invalid_grant" {
		t.Errorf("wrong verifier: %v", err)
	}

	// The plain method.
	status, _, body := raw(t, "GET", base+"/oauth2/authorize?client_id=k&response_type=code&code_challenge=plainverifier&code_challenge_method=plain", nil, nil)
	m := authCodeRE.FindStringSubmatch(body)
	if status != 200 || m == nil {
		t.Fatalf("authorize: %d %s", status, body)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {m[1]}, "client_id": {"k"}, "code_verifier": {"plainverifier"}}
	status, _, body = raw(t, "POST", base+"/oauth2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode()))
	if status != 200 || !strings.Contains(body, `"access_token":"sl.`) || strings.Contains(body, "refresh_token") {
		t.Errorf("plain PKCE (online): %d %s", status, body)
	}

	// The code flow with the app secret, no redirect.
	nr, err := oauth.NewOAuth2FlowNoRedirect("k", oauth.WithAppSecret("s"), oauth.WithHTTPClient(hc),
		oauth.WithTokenAccessType(oauth.TokenAccessTypeOffline))
	if err != nil {
		t.Fatal(err)
	}
	res, err := nr.Finish(ctx, approve(t, base, nr.Start()))
	if err != nil || res.Token.RefreshToken == "" || res.AccountID != accountID {
		t.Fatalf("secret flow: %+v %v", res, err)
	}
	// A refresh token from the secret flow needs the secret.
	if _, err := oauth.Refresh(ctx, "k", res.Token, oauth.WithHTTPClient(hc)); oauthErrorCode(err) != "invalid_client" {
		t.Errorf("refresh without secret: %v", err)
	}
	if _, err := oauth.Refresh(ctx, "k", res.Token, oauth.WithHTTPClient(hc), oauth.WithAppSecret("s")); err != nil {
		t.Errorf("refresh with secret: %v", err)
	}
	bad, _ := oauth.NewOAuth2FlowNoRedirect("k", oauth.WithAppSecret("wrong"), oauth.WithHTTPClient(hc))
	if _, err := bad.Finish(ctx, approve(t, base, bad.Start())); oauthErrorCode(err) != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}

	// An unknown app cannot even start.
	if status, _, _ := raw(t, "GET", base+"/oauth2/authorize?client_id=nope&response_type=code", nil, nil); status != 400 {
		t.Errorf("authorize with unknown client_id: %d", status)
	}
}

func TestAuthorizeRedirectsWithState(t *testing.T) {
	_, base := start(t, Options{})
	flow, err := oauth.NewWebPKCEFlow("anykey", "http://127.0.0.1:9/callback", oauth.WithHTTPClient(rewritingClient(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	authURL, csrf, err := flow.Start("study=42")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rewritingClient(t, base).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || err != nil || loc.Host != "127.0.0.1:9" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	res, err := flow.Finish(context.Background(), loc.Query(), csrf)
	if err != nil || res.URLState != "study=42" || res.Token.AccessToken == "" {
		t.Fatalf("finish: %+v %v", res, err)
	}
}

func TestShortLivedTokensExpire(t *testing.T) {
	s, base := start(t, Options{TokenLifetime: time.Second})
	rt, err := s.NewRefreshToken("app")
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now()
	tok, err := oauth.Refresh(context.Background(), "app", &oauth2.Token{RefreshToken: rt}, oauth.WithHTTPClient(rewritingClient(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	c := users.New(config(base, tok.AccessToken))
	// The token works within its lifetime (on a loaded machine the call may
	// come after it: that is no failure).
	if _, err := c.GetCurrentAccount(); err != nil && time.Since(issued) < time.Second {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	_, err = c.GetCurrentAccount()
	if e, ok := as[auth.AuthAPIError](err); !ok || e.AuthError.Tag != auth.AuthErrorExpiredAccessToken {
		t.Fatalf("after the lifetime: %T %v", err, err)
	}
	// A client with a TokenSource refreshes by itself.
	ts := oauth.TokenSource(context.Background(), "app", &oauth2.Token{RefreshToken: rt}, oauth.WithHTTPClient(rewritingClient(t, base)))
	cfg := config(base, "")
	cfg.TokenSource = ts
	if _, err := users.New(cfg).GetCurrentAccount(); err != nil {
		t.Fatalf("with a token source: %v", err)
	}
}

func TestMissingScope(t *testing.T) {
	s, base := start(t, Options{})
	rt, _ := s.NewRefreshToken("app", "account_info.read")
	tok, err := oauth.Refresh(context.Background(), "app", &oauth2.Token{RefreshToken: rt}, oauth.WithHTTPClient(rewritingClient(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = files.New(config(base, tok.AccessToken)).ListFolder(files.NewListFolderArg(""))
	e, ok := as[auth.AuthAPIError](err)
	if !ok || e.AuthError.Tag != auth.AuthErrorMissingScope || e.AuthError.MissingScope.RequiredScope != "files.metadata.read" {
		t.Fatalf("missing scope: %T %v", err, err)
	}
}
