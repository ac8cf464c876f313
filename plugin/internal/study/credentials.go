package study

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// open finds the credential of every element that is not skipped and makes
// a client for each, by keyOf. Every key file is checked before a password
// is asked for, and opened before anything is sent. In a dry run, a missing
// password or credential is no error: unchecked says why, by keyOf.
func (p *poster) open(ctx context.Context) (map[string]*dbx.Client, map[string]string, error) {
	o := p.o
	var keys, names []string
	seen, useEnv := map[string]bool{}, false
	for _, e := range p.elems {
		k := p.keyOf(e)
		switch {
		case e.Option == configschema.Skip || seen[k]:
			continue
		case k == "":
			useEnv = true
		default:
			keys, names = append(keys, k), append(names, cmp.Or(e.KeyPath, k))
		}
		seen[k] = true
	}
	for _, k := range keys {
		if _, err := keyfile.InspectFile(k); err != nil {
			return nil, nil, err
		}
	}
	creds := map[string]credential.Credential{}
	unchecked := map[string]string{}
	if len(keys) > 0 {
		load := func(pw secret.Password) error {
			for _, k := range keys {
				o.Progress.Phase(fmt.Sprintf("opening key file %q", k), progress.None, 0)
				c, info, err := keyfile.Load(k, pw.Reveal())
				if err != nil {
					return err
				}
				o.Redactor.Add(c.Secrets()...)
				o.Log.Debug("opened key file", "file", k, "format", info.Format.String(), "credential", c.Kind().String())
				creds[k] = c
			}
			return nil
		}
		err := p.withPassword(ctx, names, load)
		switch {
		case err == nil:
		case o.Push.DryRun && exit.CodeOf(err) == exit.NoPassword:
			for _, k := range keys {
				unchecked[k] = "no password given"
			}
		default:
			return nil, nil, err
		}
	}
	if useEnv {
		c, err := o.EnvCredential()
		switch {
		case err == nil:
			o.Redactor.Add(c.Secrets()...)
			creds[""] = c
		case o.Push.DryRun:
			unchecked[""] = "no Dropbox credential"
		default:
			return nil, nil, err
		}
	}
	for _, why := range unchecked {
		o.Log.Warn("dry run: Dropbox not checked (" + why + "); the plan lists the local files only")
		break
	}
	clients := map[string]*dbx.Client{}
	for k, c := range creds {
		client, err := o.Client(c)
		if err != nil {
			return nil, nil, err
		}
		clients[k] = client
	}
	if err := p.checkScopes(ctx, creds, clients); err != nil {
		return nil, nil, err
	}
	return clients, unchecked, nil
}

// withPassword finds the one password of every key file (named in names)
// and calls load with it (secret.Open): -k, --password or --password-file,
// else DROPBOX_POST_PASSWORD, else a password written in the config (warned
// about), else a prompt on the terminal, asked again when the typed one is
// wrong. A password from elsewhere that is the one written in the config is
// warned about too (a librec-auto call's -k sets ConfigPassword for that).
func (p *poster) withPassword(ctx context.Context, names []string, load func(secret.Password) error) error {
	r := p.o.Password
	for _, e := range p.elems {
		if e.Option != configschema.Skip && e.ConfigPassword != "" {
			r.Config = secret.Give(e.ConfigPassword.Reveal())
			r.ConfigAt = fmt.Sprintf("%q, %s", p.o.Config, e.Where())
			break
		}
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	r.For = "key file " + quoted[0]
	if len(names) > 1 {
		r.For = "key files " + strings.Join(quoted, ", ")
	}
	return secret.Open(ctx, r, load)
}

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
		cred := "the environment's credential"
		if e.KeyPath != "" {
			cred = fmt.Sprintf("the credential in %q", e.KeyPath)
		}
		if err := dbx.CheckScopes(scopes, e.Share || p.o.Push.Share, cred, e.Where()); err != nil {
			return err
		}
	}
	return nil
}
