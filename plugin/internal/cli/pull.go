package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/pull"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

func pullCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var overwrite, dryRun bool
	var parallel int
	var output string
	cmd := &cobra.Command{
		Use:   "pull [--encrypted-key FILE] [-k PASSWORD] REMOTE LOCAL",
		Short: "Download a Dropbox file or folder into a local folder, fetching only what differs",
		Long: `pull downloads the Dropbox file or folder REMOTE into the local folder LOCAL
(created if missing): a file lands at LOCAL/<name>; a folder's contents land
directly in LOCAL, sub-folders kept, as push posts them. Local files with the
same content hash are skipped. Every file is checked against its Dropbox
content hash as it is written, and put in place atomically (temporary file,
fsync, rename): LOCAL never holds a half-written file, also after an error or
Ctrl-C. Large files come in parallel ranges.

A local file that differs from Dropbox is kept, listed in the summary, and
does not fail the run; pass --overwrite to replace such files with the
Dropbox version. Files only in LOCAL are never touched. Dropbox names that
cannot be stored here, and any path that would land outside LOCAL, stop the
pull before anything is downloaded. What Dropbox lets no one download (Paper
and Google documents, which can only be exported; content it restricts) is
left out with a note naming it, and does not fail the run.

Exit codes: 0 done (kept and left-out files are listed); 1 some files failed; 2 bad
arguments; 7 the credential was refused; 8 Dropbox failed; 10 a local write
failed (a full disk, permissions); 11 the server answered what Dropbox never
does (a redirect, an impossible size, a listing without end); 12 Dropbox
could not be reached (--network-timeout); 130 interrupted.`,
		Example: `  dropbox-post pull --encrypted-key keys/dropbox.enc -k "$PW" /shared/movielens data/movielens
  DROPBOX_APP_KEY=… DROPBOX_REFRESH_TOKEN=… dropbox-post pull /studies/demo/exp00000 results --dry-run`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if parallel < 1 || parallel > 64 {
				return exit.New(exit.Usage, fmt.Sprintf("--parallel %d is out of range", parallel), "give a number from 1 to 64")
			}
			remote, err := dpath.Clean(args[0])
			if err != nil {
				return exit.New(exit.Usage, fmt.Sprintf("REMOTE %v", err), "")
			}
			c, _, err := connect(cmd, env, &df)
			if err != nil {
				return err
			}
			sum, err := pull.Run(cmd.Context(), c, pull.Options{
				Remote: remote, Local: args[1], Overwrite: overwrite, DryRun: dryRun,
				Parallel: parallel, Log: env.Log,
				Progress: env.prog,
			})
			return finishPull(env, output, sum, err)
		},
	}
	df.register(cmd.Flags())
	df.registerBandwidth(cmd.Flags())
	f := cmd.Flags()
	f.BoolVar(&overwrite, "overwrite", false, "replace local files that differ from Dropbox (default: keep them and say so)")
	f.BoolVar(&dryRun, "dry-run", false, "print what would be downloaded where, and write nothing")
	f.IntVar(&parallel, "parallel", transfer.DefaultParallel, "files downloaded at once (1 to 64)")
	f.StringVar(&output, "output", "text", "summary format: text or json")
	return cmd
}

// finishPull prints the summary (also after an interruption: what was done
// is said) and turns failures into the exit status.
func finishPull(env *Env, output string, sum *report.PullSummary, err error) error {
	if sum != nil {
		switch {
		case output == "json":
			report.WriteJSON(env.Stdout, sum)
		case env.logOpts.Quiet:
			sum.WriteErrors(env.Stdout) // --quiet: what went wrong only
		default:
			sum.WriteText(env.Stdout)
		}
	}
	switch {
	case err != nil:
		return err
	case sum.Kept > 0 && !sum.DryRun:
		env.Log.Warn("local files that differ from Dropbox were kept; pass --overwrite to replace them", "kept", sum.Kept)
	}
	switch {
	case sum.Failed > 0 && sum.DryRun:
		return exit.New(exit.Failure, report.Files(sum.Failed)+" could not be written here", "see the list above")
	case sum.Failed > 0:
		return exit.New(exit.Failure, report.Files(sum.Failed)+" failed", "see the list above; run again to retry them (only what differs is downloaded)")
	}
	return nil
}
