package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Environment variables that carry a credential, for CI and dashboards.
const (
	envAccessToken  = "DROPBOX_ACCESS_TOKEN"
	envAppKey       = "DROPBOX_APP_KEY"
	envAppSecret    = "DROPBOX_APP_SECRET"
	envRefreshToken = "DROPBOX_REFRESH_TOKEN"
)

// dropboxFlags are the flags of every command that talks to Dropbox: where
// the credential comes from, and where requests go.
type dropboxFlags struct {
	keyFile string
	apiURL  string
	pw      passwordFlags
}

func (d *dropboxFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&d.keyFile, "encrypted_key", "", "key `FILE` holding the Dropbox credential (else DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN)")
	fs.StringVar(&d.apiURL, "api-url", "", "send every Dropbox request to `URL` (the emulator); default $DROPBOX_API_URL, else Dropbox")
	d.pw.register(fs)
}

// endpoint returns the API URL override, or nil for Dropbox itself.
func (d *dropboxFlags) endpoint(env *Env) (*url.URL, error) {
	s, from := d.apiURL, "--api-url"
	if s == "" {
		s, from = env.Getenv(dbx.EnvAPIURL), dbx.EnvAPIURL
	}
	if s == "" {
		return nil, nil
	}
	return dbx.ParseAPIURL(s, from)
}

// credential reads the credential from the key file (keyFile, or the
// flag), or else from the environment.
func (d *dropboxFlags) credential(ctx context.Context, env *Env, keyFile string) (credential.Credential, error) {
	if keyFile == "" {
		keyFile = d.keyFile
	}
	if keyFile != "" {
		c, _, err := openKeyFile(ctx, env, &d.pw, keyFile)
		return c, err
	}
	c, err := credentialFromEnv(env)
	if err != nil {
		return credential.Credential{}, err
	}
	env.Redactor.Add(c.Secrets()...)
	return c, nil
}

// credentialFromEnv reads DROPBOX_APP_KEY (+ DROPBOX_APP_SECRET) +
// DROPBOX_REFRESH_TOKEN, or else DROPBOX_ACCESS_TOKEN.
func credentialFromEnv(env *Env) (credential.Credential, error) {
	key, secret, refresh, access := env.Getenv(envAppKey), env.Getenv(envAppSecret), env.Getenv(envRefreshToken), env.Getenv(envAccessToken)
	switch {
	case key != "" || refresh != "":
		c, err := credential.NewRefresh(key, secret, refresh)
		if err != nil {
			return c, exit.New(exit.Usage, fmt.Sprintf("the environment's Dropbox credential: %v", err), "set both DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN (and DROPBOX_APP_SECRET if the app has one)")
		}
		return c, nil
	case access != "":
		c, err := credential.NewAccessToken(access)
		if err != nil {
			return c, exit.New(exit.Usage, fmt.Sprintf("%s: %v", envAccessToken, err), "set it to the access token alone")
		}
		return c, nil
	}
	return credential.Credential{}, exit.New(exit.Usage, "no Dropbox credential",
		"pass --encrypted-key FILE (with -k PASSWORD), or set DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN, or DROPBOX_ACCESS_TOKEN")
}

// client makes a Dropbox client from a credential.
func (d *dropboxFlags) client(env *Env, c credential.Credential) (*dbx.Client, error) {
	u, err := d.endpoint(env)
	if err != nil {
		return nil, err
	}
	return dbx.New(dbx.Options{
		APIURL:    u,
		Token:     dbx.Token{AccessToken: c.AccessToken(), AppKey: c.AppKey(), AppSecret: c.AppSecret(), RefreshToken: c.RefreshToken()},
		Log:       env.Log.Named("dropbox"),
		UserAgent: "dropbox-post/" + ToolVersion(),
	}), nil
}
