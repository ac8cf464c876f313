package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
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
			study := target
			if study == "" {
				study = "."
			}
			if err := inStudy(target, config); err != nil {
				return err
			}
			finish := startRunLog(env, study, "run")
			return finish(postStudy(cmd, env, study, config, allowOutside, mode, &df, &tf))
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

// checked logs the config's warnings and turns an invalid config into exit
// code 3, with every problem on a line of its own.
func checked(env *Env, warns []configschema.Problem, err error) error {
	for _, w := range warns {
		env.Log.Warn(w.String())
	}
	var inv *configschema.InvalidError
	if errors.As(err, &inv) {
		return exit.Wrap(exit.Config, err, inv.Error(), "")
	}
	return err
}

// envCredential reports whether the environment holds a whole credential.
func envCredential(env *Env) bool {
	_, err := credentialFromEnv(env)
	return err == nil
}

// postStudy checks the study's config and posts its elements.
func postStudy(cmd *cobra.Command, env *Env, study, config string, allowOutside bool, mode plan.IfExists, df *dropboxFlags, tf *transferFlags) error {
	file := config
	if file == "" {
		file = configschema.StudyConfig(study, "config.xml")
	}
	opts := configschema.ResolveOptions{AllowOutsideStudy: allowOutside, Allowed: tf.allowed, RequireKey: df.keyFile == "" && !envCredential(env)}
	env.prog.Phase(fmt.Sprintf("reading the config %q", file), progress.None, 0)
	c, err := configschema.Load(file)
	var elems []configschema.Element
	var warns []configschema.Problem
	if err == nil {
		elems, warns, err = c.Resolve(study, opts)
	}
	if err := checked(env, warns, err); err != nil {
		return err
	}
	p := &poster{env: env, df: df, tf: tf, mode: mode, study: study, config: file, elems: elems, whole: true, password: df.pw.request(env)}
	return p.post(cmd.Context())
}
