package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// scopeShare is the scope without which no shared link can be made.
const scopeShare = "sharing.write"

// checkScopes stops a run before anything is sent when an element's
// credential is known to lack a permission the element needs:
// files.content.write to post, sharing.write for a shared link (share param
// or --share). The granted scopes are known from the key file ('auth'
// records them) or else from Dropbox's token answer; when neither says,
// nothing is checked here and Dropbox decides. A write scope stands for the
// read scope of its family, as the App Console enables both.
func (p *poster) checkScopes(ctx context.Context, creds map[string]credential.Credential, clients map[string]*dbx.Client) error {
	granted := map[string][]string{}
	for _, e := range p.elems {
		k := p.keyOf(e)
		c, ok := creds[k]
		if e.Option == configschema.Skip || !ok {
			continue
		}
		scopes, known := granted[k]
		if !known {
			scopes = c.Scopes()
			if scopes == nil && clients[k] != nil {
				info, err := clients[k].TokenInfo(ctx)
				if err != nil {
					return dbx.Explain(err, "checking the credential")
				}
				scopes = info.Scopes
			}
			granted[k] = scopes
		}
		if scopes == nil {
			continue
		}
		if err := scopesFor(e, p.tf.share, scopes); err != nil {
			return err
		}
	}
	return nil
}

// scopesFor returns an Auth error naming the first scope element e needs
// that scopes lack, and how to get it.
func scopesFor(e configschema.Element, share bool, scopes []string) error {
	cred := "the environment's credential"
	if e.KeyPath != "" {
		cred = fmt.Sprintf("the credential in %q", e.KeyPath)
	}
	return scopeCheck(scopes, e.Share || share, cred, fmt.Sprintf("element %d (line %d)", e.Index, e.Line))
}

// scopeCheck returns an Auth error when scopes (known) lack what posting,
// and with share a shared link, needs; cred names the credential and who
// the one that needs it.
func scopeCheck(scopes []string, share bool, cred, who string) error {
	if !slices.Contains(scopes, dbx.ScopeWrite) {
		return exit.New(exit.Auth,
			fmt.Sprintf("%s lacks the %s permission that %s needs to post; nothing was sent", cred, dbx.ScopeWrite, who),
			fmt.Sprintf("enable %s in the App Console's Permissions tab, then make the key again with 'dropbox-post auth --app-key KEY --encrypted FILE --force'", dbx.ScopeWrite))
	}
	if share && !slices.Contains(scopes, scopeShare) {
		return exit.New(exit.Auth,
			fmt.Sprintf("%s lacks the %s permission that %s needs for its shared link; nothing was sent", cred, scopeShare, who),
			"enable sharing.read and sharing.write in the App Console's Permissions tab, then make the key again with 'dropbox-post auth --app-key KEY --encrypted FILE --share --force'; or leave out share")
	}
	return nil
}
