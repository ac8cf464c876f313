package dbx

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// The OAuth scopes dropbox-post asks for. Posting needs the file scopes;
// whoami reads the account; shared links need the sharing scopes.
var (
	// FileScopes are what push, pull, verify and whoami need.
	FileScopes = []string{"account_info.read", "files.metadata.read", "files.content.read", "files.content.write"}
	// ShareScopes are added for shared links (auth --share).
	ShareScopes = []string{"sharing.read", "sharing.write"}
	// ReadScopes are what a dashboard that only reads needs (auth
	// --read-only); with --share, ReadShareScopes are added.
	ReadScopes      = []string{"account_info.read", "files.metadata.read", "files.content.read"}
	ReadShareScopes = []string{"sharing.read"}
)

// ScopeWrite is the scope without which nothing can be uploaded.
const ScopeWrite = "files.content.write"

// TokenInfo is what is known about the access token a Client sends.
type TokenInfo struct {
	// Refreshable is true for a refresh credential: new access tokens are
	// made as needed.
	Refreshable bool
	// Expiry is when the current access token expires; zero when unknown
	// (a fixed access token).
	Expiry time.Time
	// Scopes are the scopes Dropbox said the token has; nil when it did
	// not say (fixed tokens, and refresh answers, which list them only when
	// a subset was asked for).
	Scopes []string
}

// HasScope reports whether the scope is known to be granted. It is false
// when the scopes are unknown.
func (t TokenInfo) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// TokenInfo returns what is known about the current access token, getting
// one from the refresh credential first if needed. It never returns the
// token itself.
func (c *Client) TokenInfo(ctx context.Context) (TokenInfo, error) {
	t, err := c.tokens.token(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	info := TokenInfo{Refreshable: c.tokens.cred.Refreshable(), Expiry: t.Expiry}
	if s, ok := t.Extra("scope").(string); ok && strings.TrimSpace(s) != "" {
		info.Scopes = strings.Fields(s)
	}
	return info, nil
}

// OAuthHTTPClient returns an *http.Client for Dropbox's OAuth token
// endpoint, for the SDK's oauth flows: it sends requests to o.APIURL when
// set, retries and times out as a Client made with o does, and adds no
// Authorization header. o.Token is not used.
func OAuthHTTPClient(o Options) *http.Client {
	return New(o).tokens.http
}

// ScopeShare is the scope without which no shared link can be made.
const ScopeShare = "sharing.write"

// CheckScopes returns an exit.Auth error when scopes (known) lack what
// posting, and with share a shared link, needs, saying how to get it;
// cred names the credential and who the one that needs it.
func CheckScopes(scopes []string, share bool, cred, who string) error {
	if !slices.Contains(scopes, ScopeWrite) {
		return exit.New(exit.Auth,
			fmt.Sprintf("%s lacks the %s permission that %s needs to post; nothing was sent", cred, ScopeWrite, who),
			fmt.Sprintf("enable %s in the App Console's Permissions tab, then make the key again with 'dropbox-post auth --app-key KEY --encrypted FILE --force'", ScopeWrite))
	}
	if share && !slices.Contains(scopes, ScopeShare) {
		return exit.New(exit.Auth,
			fmt.Sprintf("%s lacks the %s permission that %s needs for its shared link; nothing was sent", cred, ScopeShare, who),
			"enable sharing.read and sharing.write in the App Console's Permissions tab, then make the key again with 'dropbox-post auth --app-key KEY --encrypted FILE --share --force'; or leave out share")
	}
	return nil
}
