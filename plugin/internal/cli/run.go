package cli

import (
	"cmp"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/study"
)

// runCommands returns run (a study's Dropbox post-processing) and the
// hidden command behind librec-auto's calling convention.
func runCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{transfers(runCmd(env)), transfers(librecAutoCmd(env)), librecAutoGroupCmd(env)}
}

func runCmd(env *Env) *cobra.Command {
	var target, config string
	var allowOutside bool
	var df dropboxFlags
	var tf transferFlags
	cmd := &cobra.Command{
		Use:   "run [-t STUDY] [-k PASSWORD] [--config FILE] [--dry-run]",
		Short: "Post a study's results: every Dropbox element of its config, as librec-auto would",
		Long: `run reads the study's config (STUDY/conf/config.xml), checks every Dropbox
<script> element of its <post> section, and posts them in document order:
option=file puts the file at DEST/<name>, option=folder puts the folder's
contents directly under DEST, option=No is skipped. Only what changed is sent.

One password opens every element's key file, as with librec-auto's -k: it
comes from -k, --password or --password-file, else from DROPBOX_POST_PASSWORD,
else from a password written in the config (with a warning), else from a
prompt on a terminal. Without a terminal, or in the background of one, run
stops at once (exit 6) and sends nothing. An element
without encrypted_key uses --encrypted-key, or DROPBOX_ACCESS_TOKEN, or
DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN.

--dry-run prints, for each element, the command librec-auto would run and
what would be sent where; without a password it lists the local files only.`,
		Example: `  dropbox-post run -t studies/movielens-demo -k "$PW"
  dropbox-post run --dry-run --output json`,
		Args: runArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := tf.check(env)
			if err != nil {
				return err
			}
			if _, err := df.endpoint(env); err != nil {
				return err
			}
			dir := cmp.Or(target, ".")
			if err := inStudy(target, config); err != nil {
				return err
			}
			finish := startRunLog(env, dir, "run")
			return finish(postStudy(cmd.Context(), env, dir, config, allowOutside, mode, &df, &tf))
		},
	}
	f := cmd.Flags()
	f.StringVarP(&target, "target", "t", "", "the study `DIR` (librec-auto's -t; default: the current directory)")
	f.StringVar(&config, "config", "", "the config `FILE` (default: STUDY/conf/config.xml)")
	f.BoolVar(&allowOutside, "allow-outside-study", false, "let the config post and read files outside the study directory")
	df.register(f)
	df.registerBandwidth(f)
	f.Lookup("encrypted_key").Usage = "key `FILE` for the elements that name none (else DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN)"
	tf.register(f)
	tf.registerAfter(f)
	tf.filters.register(f)
	return cmd
}

// envCredential reports whether the environment holds a whole credential.
func envCredential(env *Env) bool {
	_, err := credentialFromEnv(env)
	return err == nil
}

// postStudy checks the study's config and posts its elements.
func postStudy(ctx context.Context, env *Env, dir, config string, allowOutside bool, mode plan.IfExists, df *dropboxFlags, tf *transferFlags) error {
	file := config
	if file == "" {
		file = configschema.StudyConfig(dir, "config.xml")
	}
	opts := configschema.ResolveOptions{AllowOutsideStudy: allowOutside, Allowed: tf.allowed, RequireKey: df.keyFile == "" && !envCredential(env)}
	env.prog.Phase(fmt.Sprintf("reading the config %q", file), progress.None, 0)
	elems, err := study.Elements(file, dir, opts, env.Log)
	if err != nil {
		return err
	}
	o := tf.studyOptions(env, df, mode, dir, file)
	o.Password = df.pw.request(env)
	p := &runPrinter{env: env, tf: tf, whole: true}
	return p.post(ctx, elems, o)
}
