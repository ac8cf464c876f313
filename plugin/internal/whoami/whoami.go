// Package whoami checks a credential without changing anything on Dropbox:
// the account it belongs to, its kind, expiry and scopes, and whether a
// destination folder could be written ('dropbox-post whoami').
package whoami

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Account is what Check found out about a credential. It holds no secret.
type Account struct {
	AccountID  string     `json:"account_id,omitempty"`
	Name       string     `json:"name,omitempty"`
	Email      string     `json:"email,omitempty"`
	Note       string     `json:"note,omitempty"` // why the account is unknown
	Credential string     `json:"credential"`     // "refresh token" or "access token"
	AppKey     string     `json:"app_key,omitempty"`
	AppSecret  bool       `json:"app_secret"`                     // refreshes with the app secret (else PKCE)
	Expires    *time.Time `json:"access_token_expires,omitempty"` // nil: unknown
	Scopes     []string   `json:"scopes,omitempty"`               // nil: unknown
	ScopesFrom string     `json:"scopes_from,omitempty"`          // "dropbox" (listed with the token) or "key file" (recorded by auth)
	Dest       *Dest      `json:"dest,omitempty"`
}

// Dest is whether a destination folder can be written.
type Dest struct {
	Path      string `json:"path"`
	Kind      string `json:"kind"` // "folder", "missing" (push creates it), "file" or "blocked"
	Writable  bool   `json:"writable"`
	CheckedBy string `json:"checked_by"` // how Writable was decided
	Problem   string `json:"problem,omitempty"`
}

// Options say what to check besides the account.
type Options struct {
	Dest      string // a cleaned Dropbox path
	CheckDest bool   // check that Dest can be written
}

// Check checks a credential without changing anything on Dropbox: the
// account it belongs to, its kind, the current access token's expiry and
// scopes (when Dropbox listed them), and, with CheckDest, whether Dest
// could be written. A destination that cannot be written is reported in
// the Account and returned as an error too (Usage for a file in the way,
// Auth for a credential without files.content.write).
func Check(ctx context.Context, c *dbx.Client, cred credential.Credential, o Options) (*Account, error) {
	a := &Account{Credential: cred.Kind().String(), AppKey: cred.AppKey(), AppSecret: cred.AppSecret() != ""}
	info, err := c.TokenInfo(ctx)
	if err != nil {
		return nil, dbx.Explain(err, "checking the credential")
	}
	if !info.Expiry.IsZero() {
		exp := info.Expiry.UTC().Truncate(time.Second)
		a.Expires = &exp
	}
	// Dropbox lists the scopes with a token it issues; else those 'auth'
	// recorded in the key file stand for them.
	switch {
	case info.Scopes != nil:
		a.ScopesFrom = "dropbox"
	case cred.Scopes() != nil:
		info.Scopes, a.ScopesFrom = cred.Scopes(), "key file"
	}
	a.Scopes = info.Scopes
	acct, err := c.Users.GetCurrentAccountContext(ctx)
	switch {
	case dbx.MissingScope(err):
		a.Note = "the credential lacks account_info.read, so the account cannot be named"
	case err != nil:
		return nil, dbx.Explain(err, "reading the account")
	default:
		a.AccountID, a.Email = acct.AccountId, acct.Email
		if acct.Name != nil {
			a.Name = acct.Name.DisplayName
		}
	}
	if !o.CheckDest {
		return a, nil
	}
	d, err := checkDest(ctx, c, info, a.ScopesFrom, o.Dest)
	a.Dest = d
	return a, err
}

// checkDest looks at what is at dest and whether the credential may write.
// Nothing is created: the write permission comes from the granted scopes
// when they are known (listed by Dropbox, or recorded in the key file:
// scopesFrom), or else from an upload session that is started empty and
// never finished, which leaves nothing in the account.
func checkDest(ctx context.Context, c *dbx.Client, info dbx.TokenInfo, scopesFrom, dest string) (*Dest, error) {
	d := &Dest{Path: dest, Kind: "folder"}
	kind, err := kindAt(ctx, c, dest)
	if err != nil {
		return d, err
	}
	switch d.Kind = kind; kind {
	case "file":
		d.Problem = "a file is there, and push needs a folder"
	case "missing":
		// The first folder above that exists must be a folder.
		for p := dpath.Parent(dest); p != ""; p = dpath.Parent(p) {
			above, err := kindAt(ctx, c, p)
			if err != nil {
				return d, err
			}
			if above == "file" {
				d.Kind, d.Problem = "blocked", fmt.Sprintf("%q is a file, so no folder can be made below it", p)
			}
			if above != "missing" {
				break
			}
		}
	}
	if info.Scopes != nil {
		d.CheckedBy, d.Writable = "granted scopes", info.HasScope(dbx.ScopeWrite)
		if scopesFrom == "key file" {
			d.CheckedBy = "the scopes recorded in the key file"
		}
	} else {
		d.CheckedBy = "an empty upload session, never committed"
		arg := files.NewUploadSessionStartArg()
		arg.Close = true
		// No body (Content-Length: 0): an empty reader would go as an
		// empty chunked body, which Dropbox is not known to accept.
		_, err := c.Files.UploadSessionStartContext(ctx, arg, nil)
		switch {
		case dbx.MissingScope(err):
		case err != nil:
			return d, dbx.Explain(err, "checking write access")
		default:
			d.Writable = true
		}
	}
	switch {
	case !d.Writable:
		d.Problem = "the credential lacks " + dbx.ScopeWrite
		return d, exit.New(exit.Auth, fmt.Sprintf("cannot write to %s: the credential lacks the %s permission", dpath.Quote(dest), dbx.ScopeWrite),
			"enable it in the App Console's Permissions tab, then run 'dropbox-post auth' again")
	case d.Problem != "":
		return d, exit.New(exit.Usage, fmt.Sprintf("cannot post to %s: %s", dpath.Quote(dest), d.Problem), "choose another destination, or move what is there")
	}
	return d, nil
}

// kindAt says what is at p: "folder", "file" or "missing".
func kindAt(ctx context.Context, c *dbx.Client, p string) (string, error) {
	if p == "" {
		return "folder", nil
	}
	md, err := c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg(p))
	switch {
	case dbx.HasTag(err, "not_found"), dbx.HasTag(err, "not_folder"):
		return "missing", nil
	case err != nil:
		return "", dbx.Explain(err, "looking up "+strconv.Quote(p))
	}
	if _, ok := md.(*files.FileMetadata); ok {
		return "file", nil
	}
	return "folder", nil
}
