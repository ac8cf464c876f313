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
	bwlimit string // --bwlimit, on the commands that move files
	pw      passwordFlags
}

func (d *dropboxFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&d.keyFile, "encrypted_key", "", "key `FILE` holding the Dropbox credential (else DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN)")
	fs.StringVar(&d.apiURL, "api-url", "", "send every Dropbox request to `URL` (the emulator); default $DROPBOX_API_URL, else Dropbox")
	d.pw.register(fs)
}

// registerBandwidth adds --bwlimit (push, run, pull). It is a person's
// choice for a shared link, never a config param: librec-auto's calling
// convention does not have it.
func (d *dropboxFlags) registerBandwidth(fs *pflag.FlagSet) {
	fs.StringVar(&d.bwlimit, "bwlimit", "", "cap the bandwidth of all requests together at `RATE` bytes per second: 10M (MiB/s), 512K (KiB/s), 200000; default no limit")
}

// rate returns the --bwlimit in bytes per second (0: none).
func (d *dropboxFlags) rate() (int64, error) {
	if d.bwlimit == "" {
		return 0, nil
	}
	r, err := dbx.ParseRate(d.bwlimit)
	if err != nil {
		return 0, exit.New(exit.Usage, "--bwlimit "+err.Error(), "")
	}
	return r, nil
}

// endpoint returns the API URL override, or nil for Dropbox itself. It
// also checks --bwlimit, so that both are refused before anything is
// asked for.
func (d *dropboxFlags) endpoint(env *Env) (*url.URL, error) {
	if _, err := d.rate(); err != nil {
		return nil, err
	}
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
	limit, _ := d.rate() // checked by endpoint
	return dbx.New(dbx.Options{
		APIURL:         u,
		BandwidthLimit: limit,
		Token:          dbx.Token{AccessToken: c.AccessToken(), AppKey: c.AppKey(), AppSecret: c.AppSecret(), RefreshToken: c.RefreshToken()},
		Log:            env.Log.Named("dropbox"),
		UserAgent:      "dropbox-post/" + ToolVersion(),
	}), nil
}
