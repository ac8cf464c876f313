package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// emulatorCommands returns the emulator command.
func emulatorCommands(env *Env) []*cobra.Command {
	var f emulatorFlags
	cmd := &cobra.Command{
		Use:   "emulator --listen HOST:PORT [flags]",
		Short: "Run a local Dropbox API emulator for tests, benchmarks and demos",
		Long: `emulator serves the Dropbox HTTP API v2 (files, upload sessions, download,
shared links, users, OAuth2 token and authorize endpoints) on one local
origin, with Dropbox's JSON shapes, status codes and error tags, so that
clients run against it unchanged. Its first line on stdout is its base URL
(point DROPBOX_API_URL at it). It runs until interrupted.

Test helpers are served under /emulator/ (stats, tokens, files); see
docs/emulator.md. Faults (--fail-rate, --throttle-rate, --reset-rate,
--write-contention) and --latency/--bandwidth imitate a busy Dropbox and a
real network; --seed makes the faults reproducible. Strict modes
(--strict-finish-batch-concurrent, --refuse-empty-append, --omit-content-hash,
--omit-listing-hash, --refuse-empty-chunked) answer the other way where nobody could confirm what
Dropbox answers, so that the client's fallbacks can be seen at work. Limits of
the real service (--max-header-bytes, --contention, --quota, --session-ttl)
make it as strict as the strictest credible report of Dropbox, and so do its
answers (--document, --restricted, --malformed-token, --ratelimit-text,
--summary-noise, --list-concurrency) and its ways with names (--nfc,
--display-case, --non-bmp-names, --ascii-arg).`,
		Example: `  dropbox-post emulator --listen 127.0.0.1:8080 --token test
  DROPBOX_API_URL=http://127.0.0.1:8080 DROPBOX_ACCESS_TOKEN=test dropbox-post push results /demo
  dropbox-post emulator --listen 127.0.0.1:0 --data /tmp/dbx --latency 20ms --fail-rate 0.05 --seed 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := f.options()
			if err != nil {
				return err
			}
			opts.Logger = env.Log // one debug line per request with --verbose
			srv, err := emulator.New(opts)
			if err != nil {
				return exit.Wrap(exit.Local, err, err.Error(), "check --data")
			}
			defer srv.Close()
			base, err := srv.Start(f.listen)
			if err != nil {
				return exit.Wrap(exit.Local, err, fmt.Sprintf("cannot listen on %s: %v", f.listen, err),
					"choose another --listen address (port 0 picks a free one)")
			}
			fmt.Fprintln(env.Stdout, base)
			env.Log.Info("emulator listening", "url", base, "data", dataLabel(opts.DataDir), "tokens", len(opts.Tokens))
			<-cmd.Context().Done()
			env.Log.Info("emulator stopping")
			return srv.Close()
		},
	}
	f.bind(cmd.Flags())
	return []*cobra.Command{cmd}
}

func dataLabel(dir string) string {
	if dir == "" {
		return "memory"
	}
	return dir
}

// emulatorFlags are the emulator command's flags; the CLI scenarios' own
// "emulator" command parses the same ones.
type emulatorFlags struct {
	listen        string
	dataDir       string
	tokens        []string
	appKey        string
	appSecret     string
	tokenLifetime time.Duration
	latency       time.Duration
	bandwidth     int64
	failRate      float64
	throttleRate  float64
	retryAfter    time.Duration
	resetRate     float64
	contention    bool
	seed          uint64
	strict        emulator.Strict
	refuseEmpty   string
	limits        emulator.Limits
	answers       emulator.Answers
	names         emulator.Names
}

func (f *emulatorFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to listen on, HOST:PORT (port 0 picks a free one)")
	fs.StringVar(&f.dataDir, "data", "", "keep files in this directory across restarts (default: in memory)")
	fs.StringArrayVar(&f.tokens, "token", nil, "an access token that never expires (repeatable)")
	fs.StringVar(&f.appKey, "app-key", "", "register an app with this key (default: any client_id is accepted)")
	fs.StringVar(&f.appSecret, "app-secret", "", "the registered app's secret (default: none, PKCE only)")
	fs.DurationVar(&f.tokenLifetime, "token-lifetime", 4*time.Hour, "lifetime of access tokens issued by /oauth2/token")
	fs.DurationVar(&f.latency, "latency", 0, "delay added to every request")
	fs.Int64Var(&f.bandwidth, "bandwidth", 0, "bytes per second shared by request and response bodies (0 = unlimited)")
	fs.Float64Var(&f.failRate, "fail-rate", 0, "probability of answering 500/503 without doing the work")
	fs.Float64Var(&f.throttleRate, "throttle-rate", 0, "probability of answering 429 too_many_requests")
	fs.DurationVar(&f.retryAfter, "retry-after", time.Second, "Retry-After of throttled and contended requests (whole seconds)")
	fs.Float64Var(&f.resetRate, "reset-rate", 0, "probability of dropping the connection, before or after the work")
	fs.BoolVar(&f.contention, "write-contention", false, "commits that overlap fail with too_many_write_operations")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the random faults (0 = random)")
	// Strict modes: answers the real Dropbox may give (see strict.go).
	fs.BoolVar(&f.strict.FinishBatchConcurrent, "strict-finish-batch-concurrent", false, "finish_batch_v2 refuses concurrent upload sessions")
	fs.StringVar(&f.refuseEmpty, "refuse-empty-append", "", "append_batch refuses entries of length 0: per \"entry\" or the whole \"request\"")
	fs.BoolVar(&f.strict.OmitContentHash, "omit-content-hash", false, "commits answer without content_hash")
	fs.BoolVar(&f.strict.OmitListingHash, "omit-listing-hash", false, "listings and get_metadata answer without content_hash")
	fs.BoolVar(&f.strict.RefuseEmptyChunked, "refuse-empty-chunked", false, "upload requests with an empty chunked body are refused with 400")
	// Limits of the real service (see limits.go).
	fs.IntVar(&f.limits.MaxHeaderBytes, "max-header-bytes", 0, "refuse requests whose headers are larger, as a front end does (0 = no limit)")
	fs.IntVar(&f.limits.HeaderLimitStatus, "header-limit-status", 431, "status of that refusal: 431, 413 or 400")
	fs.DurationVar(&f.limits.Contention, "contention", 0, "lock the account for this long from its first commit: commits fail with too_many_write_operations")
	fs.StringVar(&f.limits.ContentionShape, "contention-shape", emulator.ShapeEntry, "how a locked account refuses commits: \"entry\" (per entry, 409), \"call\" (429) or \"mixed\"")
	fs.Int64Var(&f.limits.Quota, "quota", 0, "bytes the account may hold; commits beyond fail with insufficient_space (0 = 2 TiB, never)")
	fs.BoolVar(&f.limits.QuotaTeam, "quota-team", false, "the account is a team member's: --quota is its limit within a team of twice that")
	fs.DurationVar(&f.limits.SessionTTL, "session-ttl", 0, "upload sessions expire this long after they start (0 = never)")
	// Answers of the real service (see answers.go).
	fs.StringArrayVar(&f.answers.Documents, "document", nil, "put at this path a Paper-like document that cannot be downloaded (repeatable)")
	fs.StringArrayVar(&f.answers.Restricted, "restricted", nil, "put at this path a file whose download is refused with restricted_content (repeatable)")
	fs.StringVar(&f.answers.MalformedToken, "malformed-token", "", "answer unknown access tokens with 400 \"malformed\": those not shaped like Dropbox's (\"shape\") or \"all\"")
	fs.BoolVar(&f.answers.RateLimitText, "ratelimit-text", false, "answer 429 too_many_requests in plain text (with Retry-After)")
	fs.BoolVar(&f.answers.SummaryNoise, "summary-noise", false, "end each error_summary with \"/\" and 0 to 3 dots, at random")
	fs.BoolVar(&f.answers.ListConcurrency, "list-concurrency", false, "answer 429 to a listing made while the same one is being answered")
	// Dropbox's ways with names (see names.go).
	fs.BoolVar(&f.names.NFC, "nfc", false, "store names in Unicode NFC; a lookup by another normalisation is not_found")
	fs.StringVar(&f.names.Display, "display-case", "", "path_display shows the folders above an entry \"request\" (as the request that wrote it spelt them), \"lower\" or \"random\"")
	fs.StringVar(&f.names.NonBMP, "non-bmp-names", "", "refuse names with characters beyond the BMP (emoji): \"refuse\" (malformed_path) or \"400\"")
	fs.BoolVar(&f.names.ASCIIArg, "ascii-arg", false, "refuse a Dropbox-API-Arg header holding raw non-ASCII bytes with 400")
}

// options checks the flags and turns them into emulator options.
func (f *emulatorFlags) options() (emulator.Options, error) {
	if f.appSecret != "" && f.appKey == "" {
		return emulator.Options{}, exit.New(exit.Usage, "--app-secret needs --app-key", "give the app's key with --app-key")
	}
	retryAfter := f.retryAfter
	if retryAfter == 0 {
		retryAfter = time.Nanosecond // "Retry-After: 0"; zero would mean the default
	}
	opts := emulator.Options{
		DataDir:         f.dataDir,
		Tokens:          f.tokens,
		TokenLifetime:   f.tokenLifetime,
		Latency:         f.latency,
		Bandwidth:       f.bandwidth,
		FailRate:        f.failRate,
		ThrottleRate:    f.throttleRate,
		RetryAfter:      retryAfter,
		ResetRate:       f.resetRate,
		WriteContention: f.contention,
		Seed:            f.seed,
		Strict:          f.strict,
		Limits:          f.limits,
		Answers:         f.answers,
		Names:           f.names,
	}
	opts.Strict.RefuseEmptyAppend = emulator.Refusal(f.refuseEmpty)
	if f.appKey != "" {
		opts.Apps = []emulator.App{{Key: f.appKey, Secret: f.appSecret}}
	}
	if f.tokenLifetime <= 0 {
		return opts, exit.New(exit.Usage, "--token-lifetime must be positive", "give a duration such as 4h or 30s")
	}
	if err := opts.Validate(); err != nil {
		return opts, exit.New(exit.Usage, err.Error(), "see 'dropbox-post emulator --help'")
	}
	return opts, nil
}
