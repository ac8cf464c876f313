package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
	"github.com/librec-auto/dropbox-post/plugin/internal/study"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// transferFlags are the flags that shape an upload.
type transferFlags struct {
	dryRun      bool
	ifExists    string
	parallel    int
	output      string
	manifestDir string
	noManifest  bool
	verify      bool
	share       bool
	filters     filterFlags   // registered by push and run, not by librec-auto's call
	allowed     []string      // DROPBOX_POST_ALLOW_OUTSIDE, read by check
	writeWait   time.Duration // DROPBOX_POST_WRITE_WAIT, read by check
}

// transferDefaults are the transfer flags' defaults: what librec-auto's
// call, which has none of these flags, posts with.
var transferDefaults = transferFlags{ifExists: "overwrite", parallel: transfer.DefaultParallel, output: "text"}

func (t *transferFlags) register(fs *pflag.FlagSet) {
	d := transferDefaults
	fs.BoolVar(&t.dryRun, "dry-run", d.dryRun, "print what would be sent where, and send nothing")
	fs.StringVar(&t.ifExists, "if-exists", d.ifExists, "a file that differs on Dropbox: overwrite, skip or fail")
	fs.IntVar(&t.parallel, "parallel", d.parallel, "requests in flight at once (1 to 64)")
	fs.StringVar(&t.output, "output", d.output, "summary format: text or json")
	fs.StringVar(&t.manifestDir, "manifest-dir", "", "where to write the provenance manifest (default: the study's .dropbox-post/manifests; for push outside a study, dropbox-post/manifests in the user's data folder)")
	fs.BoolVar(&t.noManifest, "no-manifest", false, "write no manifest")
}

// registerAfter adds the flags for what follows an upload: --verify and
// --share. (librec-auto's calling convention has its own --share, the
// element's param.)
func (t *transferFlags) registerAfter(fs *pflag.FlagSet) {
	fs.BoolVar(&t.verify, "verify", false, "after the upload, check by content hash that Dropbox holds every local file (exit 9 if not)")
	fs.BoolVar(&t.share, "share", false, "make (or reuse) a shared link for what was posted, print it and record it in the manifest")
}

// options returns the push options these flags ask for, LOCAL to DEST, with
// manifests under base.
func (t *transferFlags) options(env *Env, mode plan.IfExists, local, dest, base string) push.Options {
	return push.Options{
		Local: local, Dest: dest, Mode: mode, DryRun: t.dryRun, Verify: t.verify, Share: t.share,
		Filter:    flagFilter(&t.filters),
		Allowed:   t.allowed,
		Transfer:  transfer.Options{Parallel: t.parallel, WriteWait: t.writeWait},
		Manifests: t.manifests(env, base),
		Tool:      "dropbox-post " + ToolVersion(),
		Progress:  env.prog,
		Log:       env.Log,
	}
}

// studyOptions returns the options of study.Post that these flags, df and
// env ask for, for the study dir and its config file.
func (t *transferFlags) studyOptions(env *Env, df *dropboxFlags, mode plan.IfExists, dir, config string) study.Options {
	abs, _ := filepath.Abs(dir)
	return study.Options{
		Study: dir, Config: config,
		KeyFile:       df.keyFile,
		EnvCredential: func() (credential.Credential, error) { return credentialFromEnv(env) },
		Client:        func(c credential.Credential) (*dbx.Client, error) { return df.client(env, c) },
		Push:          t.options(env, mode, "", "", dir),
		Filter:        t.filters.spec,
		Resume:        func() *resume.Store { return t.resumeStore(env, abs) },
		Progress:      env.prog,
		Log:           env.Log,
		Redactor:      env.Redactor,
	}
}

// check validates the flags, and reads the folders outside the study the
// person allows (local.EnvAllowOutside), before anything is read or sent.
func (t *transferFlags) check(env *Env) (plan.IfExists, error) {
	mode, err := plan.ParseIfExists(t.ifExists)
	if err != nil {
		return "", exit.New(exit.Usage, err.Error(), "")
	}
	if t.allowed, err = local.ParseAllowed(env.Getenv(local.EnvAllowOutside)); err != nil {
		return "", err
	}
	if s := env.Getenv(transfer.EnvWriteWait); s != "" {
		if t.writeWait, err = parseDuration(s, transfer.EnvWriteWait, time.Second, 24*time.Hour); err != nil {
			return "", err
		}
	}
	if t.parallel < 1 || t.parallel > 64 {
		return "", exit.New(exit.Usage, fmt.Sprintf("--parallel %d is out of range", t.parallel), "give a number from 1 to 64")
	}
	if t.noManifest && t.manifestDir != "" {
		return "", exit.New(exit.Usage, "--no-manifest and --manifest-dir contradict each other", "give one of them")
	}
	if t.output != "text" && t.output != "json" {
		return "", exit.New(exit.Usage, fmt.Sprintf("--output %q", t.output), "use text or json")
	}
	if err := t.filters.check(); err != nil {
		return "", err
	}
	return mode, nil
}

// resumeStore opens where large uploads are written down so that a killed
// run continues them: the study's .dropbox-post/uploads for run (see
// studyFolder), the user's cache folder (dropbox-post/uploads) for push
// (study ""). A dry run writes nothing, and a store that cannot be opened
// only costs the ability to resume (a warning says so).
func (t *transferFlags) resumeStore(env *Env, study string) *resume.Store {
	if t.dryRun {
		return nil
	}
	if study != "" {
		if dir := studyFolder(env, study, statedir.Uploads); dir != nil {
			return resume.Open(dir)
		}
		return nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		env.Log.Warn("no cache folder: a killed upload of a large file will start over", "error", err)
		return nil
	}
	return resume.Open(statedir.At(filepath.Join(cache, "dropbox-post", "uploads"), 0o700))
}

// manifests returns the manifest folder for the pushes of a study (base,
// the study directory: see studyFolder), or of push (base "": see
// pushManifests), or nil for none.
func (t *transferFlags) manifests(env *Env, base string) *statedir.Folder {
	switch {
	case t.noManifest || t.dryRun:
		return nil
	case t.manifestDir != "":
		return statedir.At(t.manifestDir, 0o755)
	case base == "":
		return pushManifests(env)
	}
	return studyFolder(env, base, statedir.Manifests)
}

func pushCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var tf transferFlags
	cmd := &cobra.Command{
		Use:   "push [--encrypted-key FILE] [-k PASSWORD] LOCAL DEST",
		Short: "Upload a file or a folder to Dropbox, sending only what changed",
		Long: `push uploads LOCAL to the Dropbox folder DEST: a file goes to DEST/<name>; a
folder's contents go directly under DEST, sub-folders kept (librec-auto's
folder semantics). Files Dropbox already holds with the same content are not
sent again. Small files travel in batches, large ones in parallel chunks;
commits are batched, up to 1000 files each.

The credential comes from --encrypted-key (with -k, --password,
--password-file, DROPBOX_POST_PASSWORD, or a prompt on a terminal), or from
DROPBOX_APP_KEY (+ DROPBOX_APP_SECRET) + DROPBOX_REFRESH_TOKEN, or
DROPBOX_ACCESS_TOKEN.`,
		Example: `  dropbox-post push --encrypted-key keys/dropbox.enc -k "$PW" exp00000 /studies/demo/exp00000
  DROPBOX_API_URL=http://127.0.0.1:8080 DROPBOX_ACCESS_TOKEN=test dropbox-post push post /demo --dry-run`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			mode, err := tf.check(env)
			if err != nil {
				return err
			}
			dest, err := dpath.Clean(args[1])
			if err != nil {
				return exit.New(exit.Usage, fmt.Sprintf("DEST %v", err), "")
			}
			if odd := dpath.Lookalikes(dest); len(odd) > 0 {
				env.Log.Warn(fmt.Sprintf("DEST %q holds %s, invisible or easily mistaken for another character: the folder may not be the one it seems", dest, strings.Join(odd, ", ")))
			}
			if _, err := os.Lstat(args[0]); err != nil {
				return exit.New(exit.Usage, fmt.Sprintf("%q does not exist", args[0]), "check the path to post")
			}
			if _, err := df.endpoint(env); err != nil {
				return err
			}
			ctx := cmd.Context()
			cred, err := df.credential(ctx, env, "")
			if err != nil {
				return err
			}
			if scopes := cred.Scopes(); scopes != nil && !tf.dryRun { // recorded by auth
				if err := dbx.CheckScopes(scopes, tf.share, fmt.Sprintf("the credential in %q", df.keyFile), "push"); err != nil {
					return err
				}
			}
			c, err := df.client(env, cred)
			if err != nil {
				return err
			}
			opts := tf.options(env, mode, args[0], dest, "")
			opts.Transfer.Resume = tf.resumeStore(env, "")
			sum, err := push.Run(ctx, c, opts)
			return finishPush(env, &tf, []*report.Summary{sum}, err)
		},
	}
	df.register(cmd.Flags())
	df.registerBandwidth(cmd.Flags())
	tf.register(cmd.Flags())
	tf.registerAfter(cmd.Flags())
	tf.filters.register(cmd.Flags())
	return cmd
}

// finishPush prints the summaries (also after an interruption: what was
// done is said) and turns failures into the exit status.
func finishPush(env *Env, tf *transferFlags, sums []*report.Summary, err error) error {
	failed := printSummaries(env, tf, sums)
	if err != nil {
		return err
	}
	return push.Failures(failed, tf.dryRun)
}

// printSummaries prints the summaries that are not nil, as --output and
// --quiet ask, and returns how many files failed in them.
func printSummaries(env *Env, tf *transferFlags, sums []*report.Summary) (failed int) {
	var done []*report.Summary
	for _, s := range sums {
		if s != nil {
			done = append(done, s)
			failed += s.Failed
		}
	}
	if tf.output == "json" {
		if len(done) == 1 {
			report.WriteJSON(env.Stdout, done[0])
		} else if len(done) > 1 {
			report.WriteJSON(env.Stdout, done)
		}
		return failed
	}
	for _, s := range done {
		if env.logOpts.Quiet {
			s.WriteErrors(env.Stdout) // --quiet: what went wrong only
		} else {
			s.WriteText(env.Stdout)
		}
	}
	return failed
}
