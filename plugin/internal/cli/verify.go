package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/plugin/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/verify"
)

func verifyCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var output string
	var ff filterFlags
	cmd := &cobra.Command{
		Use:   "verify [--encrypted-key FILE] [-k PASSWORD] LOCAL DEST",
		Short: "Compare a local file or folder with a Dropbox folder by content hash",
		Long: `verify compares LOCAL with the Dropbox folder DEST as push posts it (a
folder's contents directly under DEST, a file at DEST/<name>; links, ignored
names and .dropbox-post left out) and lists the files missing on Dropbox,
only on Dropbox, and different, by Dropbox content hash. It changes nothing.

Exit codes: 0 both sides hold the same files; 9 they differ; 2, 7, 8, 10 as
for push.`,
		Example: `  dropbox-post verify --encrypted-key keys/dropbox.enc -k "$PW" exp00000 /studies/demo/exp00000`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := ff.check(); err != nil {
				return err
			}
			dest, err := dpath.Clean(args[1])
			if err != nil {
				return exit.New(exit.Usage, fmt.Sprintf("DEST %v", err), "")
			}
			c, _, err := connect(cmd, env, &df)
			if err != nil {
				return err
			}
			res, err := verify.Compare(cmd.Context(), c, args[0], dest, flagFilter(&ff))
			if err != nil {
				return err
			}
			if output == "json" {
				report.WriteJSON(env.Stdout, res)
			} else if !env.logOpts.Quiet || !res.Match() { // --quiet: nothing when they match
				res.WriteText(env.Stdout)
			}
			if !res.Match() {
				return exit.New(exit.Mismatch, fmt.Sprintf("%q and %s differ: %s", args[0], dpath.Quote(dest), res.Summary()),
					res.Advice())
			}
			return nil
		},
	}
	df.register(cmd.Flags())
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json")
	ff.register(cmd.Flags())
	return cmd
}
