package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
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
	timeout string // --network-timeout
	pw      passwordFlags
}

// envNetworkTimeout is the environment variable that, like
// --network-timeout, bounds the wait for a host that cannot be reached.
const envNetworkTimeout = "DROPBOX_POST_NETWORK_TIMEOUT"

// maxNetworkTimeout is the longest --network-timeout taken.
const maxNetworkTimeout = 24 * time.Hour

func (d *dropboxFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&d.keyFile, "encrypted_key", "", "key `FILE` holding the Dropbox credential (else DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN)")
	fs.StringVar(&d.apiURL, "api-url", "", "send every Dropbox request to `URL` (the emulator); default $DROPBOX_API_URL, else Dropbox")
	fs.StringVar(&d.timeout, "network-timeout", "", "give up on a Dropbox host that cannot be reached (no connection at all) after `DURATION`: 30s, 2m, 0 (at the first failure); default $"+envNetworkTimeout+", else 30s")
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

// networkTimeout returns --network-timeout, else
// DROPBOX_POST_NETWORK_TIMEOUT, else dbx.DefaultNetworkTimeout: a Go
// duration, or a number of seconds.
func (d *dropboxFlags) networkTimeout(env *Env) (time.Duration, error) {
	s, from := d.timeout, "--network-timeout"
	if s == "" {
		s, from = env.Getenv(envNetworkTimeout), envNetworkTimeout
	}
	if s == "" {
		return dbx.DefaultNetworkTimeout, nil
	}
	return parseDuration(s, from, 0, maxNetworkTimeout)
}

// parseDuration reads a duration given by from (a flag or an environment
// variable): a Go duration, or a number of seconds, from lo to hi.
func parseDuration(s, from string, lo, hi time.Duration) (time.Duration, error) {
	t, err := time.ParseDuration(s)
	if n, nerr := strconv.ParseFloat(s, 64); err != nil && nerr == nil {
		t, err = time.Duration(n*float64(time.Second)), nil
	}
	switch {
	case err != nil:
		return 0, exit.Usagef("give a duration such as 30s, 2m or "+shortDuration(lo), "%s %q is not a duration", from, s)
	case t < lo || t > hi:
		return 0, exit.Usagef(fmt.Sprintf("give a duration from %s to %s", shortDuration(lo), shortDuration(hi)), "%s %q is out of range", from, s)
	}
	return t, nil
}

// shortDuration writes d as a person would: 0, 1s, 10m, 24h.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// endpoint returns the API URL override, or nil for Dropbox itself. It
// also checks --bwlimit and the network timeout, so that all are refused
// before anything is asked for.
func (d *dropboxFlags) endpoint(env *Env) (*url.URL, error) {
	if _, err := d.rate(); err != nil {
		return nil, err
	}
	if _, err := d.networkTimeout(env); err != nil {
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
	if u, err := d.endpoint(env); err == nil {
		dbx.WarmRoots(u)
	}
	if keyFile == "" {
		keyFile = d.keyFile
	}
	if keyFile != "" {
		c, _, err := openKeyFile(ctx, env, &d.pw, keyFile)
		env.credentialFrom = fmt.Sprintf("key file %q", keyFile)
		return c, err
	}
	c, err := credentialFromEnv(env)
	if err != nil {
		return credential.Credential{}, err
	}
	env.Redactor.Add(c.Secrets()...)
	env.credentialFrom = envAccessToken
	if c.Kind() == credential.Refresh {
		env.credentialFrom = envAppKey + " and " + envRefreshToken
	}
	return c, nil
}

// blameCredential names, in an error that says Dropbox refused the
// credential (exit 7), where that credential came from: a key file, or
// the environment when no key file was given, so that a bad
// DROPBOX_ACCESS_TOKEN is not taken for a bad key file.
func (env *Env) blameCredential(err error) error {
	ee, ok := err.(*exit.Error)
	if !ok || ee.Code != exit.Auth || env.credentialFrom == "" {
		return err
	}
	return exit.Wrap(ee.Code, ee, fmt.Sprintf("%s; it came from %s", ee.What, env.credentialFrom), ee.Fix)
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
	limit, _ := d.rate()  // checked by endpoint
	if env.reach == nil { // one for every client: a run gives a dead network up once
		timeout, _ := d.networkTimeout(env)
		env.reach = dbx.NewReach(timeout, env.Log.Named("dropbox"))
		if env.TTY != nil && !env.StderrTerminal && !env.logOpts.Quiet {
			// librec-auto hides stderr: the person at the terminal is told
			// at once too, as the run's outcome is (startRunLog).
			tty := logging.Escape(env.TTY)
			env.reach.Notify = func(line string) { fmt.Fprintln(tty, "dropbox-post: "+line) }
		}
	}
	return dbx.New(dbx.Options{
		Reach:          env.reach,
		APIURL:         u,
		BandwidthLimit: limit,
		Token:          dbx.Token{AccessToken: c.AccessToken(), AppKey: c.AppKey(), AppSecret: c.AppSecret(), RefreshToken: c.RefreshToken()},
		Log:            env.Log.Named("dropbox"),
		UserAgent:      "dropbox-post/" + ToolVersion(),
	}), nil
}
