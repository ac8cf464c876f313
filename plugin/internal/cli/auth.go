package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/oauth"
	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// credentialCommands returns auth, whoami and secrets.
func credentialCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{authCmd(env), whoamiCmd(env), secretsCmd(env)}
}

func authCmd(env *Env) *cobra.Command {
	var appKey, appSecret, out string
	var force, share, readOnly bool
	var df dropboxFlags
	cmd := &cobra.Command{
		Use:   "auth --app-key KEY --encrypted FILE [--app-secret SECRET] [--share] [--read-only]",
		Short: "Authorize dropbox-post once, and save a refresh token that lasts, encrypted",
		Long: `auth links dropbox-post to a Dropbox app with OAuth 2 (offline access), and
writes the resulting refresh credential (app key, app secret if given, refresh
token) to FILE, encrypted with a password, in dropbox-post's key file format.
Every command then makes short-lived access tokens from it by itself: a token
pasted from the App Console stops working within hours, this does not.

It prints a Dropbox page to open; sign in, click Allow, and paste the code
that Dropbox shows. Without --app-secret the exchange uses PKCE, so the app
secret never has to be written anywhere. It asks for the scopes dropbox-post
uses (account_info.read, files.metadata.read, files.content.read,
files.content.write; with --share also sharing.read and sharing.write), which
must be enabled in the app's Permissions tab. With --read-only it asks only
for account_info.read, files.metadata.read and files.content.read (plus
sharing.read with --share): a credential for a dashboard host, which can read
the study's results but never overwrite or delete them. The scopes Dropbox
granted are recorded in FILE, so that 'secrets export' can warn about a
credential that can write.

The password is resolved first (flags, DROPBOX_POST_PASSWORD, or asked twice
on a terminal), so that a mistake stops the command before any browser step.`,
		Example: `  dropbox-post auth --app-key k3yFromAppConsole --encrypted keys/dropbox.enc
  dropbox-post auth --app-key KEY --app-secret SECRET --share --encrypted keys/dropbox.enc -k "$PW"
  dropbox-post auth --app-key KEY --read-only --encrypted keys/dashboard.enc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required("app-key", appKey, "encrypted", out); err != nil {
				return err
			}
			// The refresh token is not known yet; this checks the key and secret.
			if _, err := credential.NewRefresh(appKey, appSecret, "not-yet-known"); err != nil {
				return exit.New(exit.Usage, err.Error(), "copy the App key (and App secret) from the app's Settings tab in the App Console")
			}
			env.Redactor.Add(appSecret)
			base, err := df.endpoint(env)
			if err != nil {
				return err
			}
			if !force {
				if err := atomicfile.Absent(out); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			password, err := df.pw.resolve(ctx, env, "new key file "+out, true)
			if err != nil {
				return err
			}
			scopes := authScopes(readOnly, share)
			g, err := authorize(ctx, env, base, appKey, appSecret, scopes)
			if err != nil {
				return err
			}
			if readOnly {
				if w, _ := g.cred.CanWrite(); w {
					return exit.New(exit.Auth, fmt.Sprintf("Dropbox granted write scopes (%q) although only read scopes were asked for; nothing was saved", strings.Join(g.scopes, " ")),
						"run 'dropbox-post auth --read-only' again; if it persists, check the app's Permissions tab")
				}
			}
			if err := keyfile.Save(out, g.cred, password.Reveal(), force); err != nil {
				return err
			}
			who := "the Dropbox account"
			if g.account != "" {
				who = g.account
			}
			fmt.Fprintf(env.Stdout, "\nAuthorized for %s. Saved the refresh credential to %q (encrypted).\nScopes: %s\n", who, out, report.QuoteOdd(strings.Join(g.scopes, " ")))
			env.Log.Info("wrote key file", "file", out, "credential", g.cred.Kind().String(), "format", keyfile.V1.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&appKey, "app-key", "", "the app's key, from the App Console's Settings tab (`KEY`)")
	f.StringVar(&appSecret, "app-secret", "", "the app's secret (`SECRET`); without it, PKCE is used and no secret is stored")
	f.StringVar(&out, "encrypted", "", "key file to write (`FILE`)")
	f.BoolVar(&force, "force", false, "replace FILE if it exists")
	f.BoolVar(&share, "share", false, "also ask for the sharing scopes, to create shared links")
	f.BoolVar(&readOnly, "read-only", false, "ask for read scopes only: a credential for a dashboard, which cannot change anything on Dropbox")
	f.StringVar(&df.apiURL, "api-url", "", "send every Dropbox request, and the authorize page, to `URL` (the emulator); default $DROPBOX_API_URL")
	df.pw.register(f)
	return cmd
}

// authScopes returns the scopes auth asks for.
func authScopes(readOnly, share bool) []string {
	base, extra := dbx.FileScopes, dbx.ShareScopes
	if readOnly {
		base, extra = dbx.ReadScopes, dbx.ReadShareScopes
	}
	scopes := append([]string{}, base...)
	if share {
		scopes = append(scopes, extra...)
	}
	return scopes
}

// grant is what the authorization gave.
type grant struct {
	cred    credential.Credential
	account string // "Name <email>", or "" if it could not be read
	scopes  []string
}

// authorize runs the no-redirect OAuth flow: it prints the authorize page,
// reads the code from stdin and exchanges it for a refresh token.
func authorize(ctx context.Context, env *Env, base *url.URL, appKey, appSecret string, scopes []string) (*grant, error) {
	o := dbx.Options{APIURL: base, Log: env.Log.Named("dropbox"), UserAgent: "dropbox-post/" + ToolVersion()}
	opts := []oauth.Option{
		oauth.WithTokenAccessType(oauth.TokenAccessTypeOffline),
		oauth.WithScopes(scopes...),
		oauth.WithHTTPClient(dbx.OAuthHTTPClient(o)),
	}
	if appSecret != "" {
		opts = append(opts, oauth.WithAppSecret(appSecret))
	} else {
		opts = append(opts, oauth.WithPKCE())
	}
	flow, err := oauth.NewOAuth2FlowNoRedirect(appKey, opts...)
	if err != nil {
		return nil, exit.Wrap(exit.Usage, err, err.Error(), "")
	}
	fmt.Fprintf(env.Stdout, "1. Open this page in a browser, sign in to Dropbox and click Allow:\n\n   %s\n\n2. Paste the code Dropbox shows, then press Enter: ", dbx.AuthorizeURL(base, flow.Start()))
	code, err := readLine(ctx, env.Stdin)
	switch {
	case err != nil:
		return nil, err
	case code == "":
		return nil, exit.New(exit.Usage, "no authorization code was given", "open the page, click Allow, and paste the code Dropbox shows")
	}
	env.Redactor.Add(code)
	res, err := flow.Finish(ctx, code)
	if err != nil {
		return nil, exchangeError(err, appKey)
	}
	env.Redactor.Add(res.Token.AccessToken, res.Token.RefreshToken)
	if res.Token.RefreshToken == "" {
		return nil, dbx.Unexpected("exchanging the authorization code: the answer held no refresh token, although one was asked for (token_access_type=offline)")
	}
	cred, err := credential.NewRefresh(appKey, appSecret, res.Token.RefreshToken)
	if err != nil {
		return nil, exit.Wrap(exit.Auth, err, "Dropbox gave an unusable refresh token: "+err.Error(), "run 'dropbox-post auth' again")
	}
	// Record what Dropbox granted (the token answer lists it); when it does
	// not say, nothing is recorded and the scopes stay unknown.
	cred = cred.WithScopes(res.Scopes)
	g := &grant{cred: cred, scopes: res.Scopes}
	o.Token = dbx.Token{AccessToken: res.Token.AccessToken}
	if acct, err := dbx.New(o).Users.GetCurrentAccountContext(ctx); err == nil && acct.Name != nil {
		g.account = fmt.Sprintf("%q <%s>", acct.Name.DisplayName, report.QuoteOdd(acct.Email))
	} else if err != nil {
		env.Log.Warn("could not read the account's name", "error", dbx.Explain(err, "reading the account"))
	}
	return g, nil
}

// exchangeError explains a failed code exchange.
func exchangeError(err error, appKey string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return dbx.Explain(err, "exchanging the authorization code")
	}
	switch re.ErrorCode {
	case "invalid_grant":
		return exit.Wrap(exit.Auth, err, "Dropbox did not accept the code (invalid_grant)",
			"a code works once and only for a few minutes: run 'dropbox-post auth' again and paste the new code whole")
	case "invalid_client", "unauthorized_client":
		return exit.Wrap(exit.Auth, err, fmt.Sprintf("Dropbox does not know app key %q, or the app secret is wrong (%q)", appKey, re.ErrorCode),
			"copy the App key (and App secret) from the app's Settings tab in the App Console")
	}
	return exit.Wrap(exit.Auth, err, fmt.Sprintf("Dropbox refused the code (%q: %q)", re.ErrorCode, re.ErrorDescription), "run 'dropbox-post auth' again")
}

// readLine reads one line from r, without its surrounding spaces. It
// returns when ctx is done (Ctrl-C), even if the read goes on.
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
		ch <- result{strings.TrimSpace(line), err}
	}()
	select {
	case <-ctx.Done():
		return "", dbx.Explain(ctx.Err(), "waiting for the authorization code")
	case res := <-ch:
		if res.err != nil {
			return "", exit.Wrap(exit.Failure, res.err, "cannot read the code: "+res.err.Error(), "")
		}
		return res.line, nil
	}
}
