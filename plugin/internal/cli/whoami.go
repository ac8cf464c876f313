package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/whoami"
)

func whoamiCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var dest, output string
	cmd := &cobra.Command{
		Use:   "whoami [--encrypted-key FILE] [-k PASSWORD] [--dest PATH]",
		Short: "Check a Dropbox credential: its account, kind, expiry, scopes, and whether --dest can be written",
		Long: `whoami checks the credential the other commands would use (the same flags
and environment variables as push) and says which Dropbox account it belongs
to, whether it is a refresh credential or a fixed access token, when the
current access token expires and, when Dropbox lists them, its scopes. It
never prints a token.

With --dest it also checks, without writing anything, that a push could post
there: what is at PATH (a folder, or nothing yet, is fine; a file is not) and
the files.content.write permission (from the granted scopes when Dropbox
listed them, else by starting an empty upload session that is never
committed, which leaves nothing in the account).

Exit codes: 0 the credential works (and PATH can be written); 7 Dropbox
refused the credential, or it may not write; 2 a file is in the way of PATH;
12 Dropbox could not be reached (--network-timeout).`,
		Example: `  dropbox-post whoami --encrypted-key keys/dropbox.enc -k "$PW" --dest /studies/demo`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			d, err := dpath.Clean(dest)
			if err != nil {
				return exit.New(exit.Usage, fmt.Sprintf("--dest %v", err), "")
			}
			c, cred, err := connect(cmd, env, &df)
			if err != nil {
				return err
			}
			a, err := whoami.Check(cmd.Context(), c, cred, whoami.Options{Dest: d, CheckDest: cmd.Flags().Changed("dest")})
			if a != nil {
				if output == "json" {
					report.WriteJSON(env.Stdout, a)
				} else {
					a.WriteText(env.Stdout, time.Now())
				}
			}
			return err
		},
	}
	df.register(cmd.Flags())
	cmd.Flags().StringVar(&dest, "dest", "", "also check that a push could write to this Dropbox folder (`PATH`)")
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json")
	return cmd
}

// connect reads the credential and makes a Dropbox client, as every
// command that talks to Dropbox does first; --api-url is checked before a
// password is asked for.
func connect(cmd *cobra.Command, env *Env, df *dropboxFlags) (*dbx.Client, credential.Credential, error) {
	if _, err := df.endpoint(env); err != nil {
		return nil, credential.Credential{}, err
	}
	cred, err := df.credential(cmd.Context(), env, "")
	if err != nil {
		return nil, cred, err
	}
	c, err := df.client(env, cred)
	return c, cred, err
}

// checkOutput validates an --output value.
func checkOutput(s string) error {
	if s != "text" && s != "json" {
		return exit.Usagef("use --output text or --output json", "unknown --output %q", s)
	}
	return nil
}
