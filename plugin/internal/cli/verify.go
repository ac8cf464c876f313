package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/verify"
)

func verifyCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var output string
	var ff filterFlags
	var manifest string
	cmd := &cobra.Command{
		Use:   "verify [--encrypted-key FILE] [-k PASSWORD] LOCAL DEST | --manifest FILE",
		Short: "Compare a local file or folder with a Dropbox folder by content hash",
		Long: `verify compares LOCAL with the Dropbox folder DEST as push posts it (a
folder's contents directly under DEST, a file at DEST/<name>; links, ignored
names and .dropbox-post left out) and lists the files missing on Dropbox,
only on Dropbox, and different, by Dropbox content hash. It changes nothing.
A Dropbox document that can only be exported (Paper, Google Docs) cannot be
compared: only on Dropbox, it is a note; with a local file of its name, the
two differ.

verify --manifest FILE checks, with no local file at all, that Dropbox still
holds every file a manifest (written by push or run in .dropbox-post/manifests)
records as posted, with the same content hash, and lists what changed,
vanished, or appeared under its destination since (files its recorded filters
leave out do not count).

Exit codes: 0 both sides hold the same files; 9 they differ; 2, 7, 8, 10, 11,
12 as for push.`,
		Example: `  dropbox-post verify --encrypted-key keys/dropbox.enc -k "$PW" exp00000 /studies/demo/exp00000
  dropbox-post verify --manifest .dropbox-post/manifests/20261130T120000Z-studies_demo.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if manifest != "" {
				if len(args) > 0 {
					return exit.Usagef("give either LOCAL DEST or --manifest FILE", "--manifest takes no LOCAL or DEST (%d arguments given)", len(args))
				}
				return nil
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if manifest != "" {
				if ff.set(cmd) {
					return exit.Usagef("the manifest's own filters apply", "--manifest takes no --exclude, --include, --exclude-from or --max-size")
				}
				return verifyManifest(cmd, env, &df, manifest, output)
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
			allowed, err := local.ParseAllowed(env.Getenv(local.EnvAllowOutside))
			if err != nil {
				return err
			}
			res, err := verify.Compare(cmd.Context(), c, args[0], dest, local.Options{Filter: flagFilter(&ff), Allowed: allowed})
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
	cmd.Flags().StringVar(&manifest, "manifest", "", "check what the manifest `FILE` records against Dropbox, without local files")
	return cmd
}

// verifyManifest is verify --manifest FILE.
func verifyManifest(cmd *cobra.Command, env *Env, df *dropboxFlags, path, output string) error {
	m, err := manifest.Load(path)
	if err != nil {
		return err
	}
	c, _, err := connect(cmd, env, df)
	if err != nil {
		return err
	}
	res, err := verify.CheckManifest(cmd.Context(), c, path, m)
	if err != nil {
		return err
	}
	if output == "json" {
		report.WriteJSON(env.Stdout, res)
	} else if !env.logOpts.Quiet || !res.Match() {
		res.WriteText(env.Stdout)
	}
	if !res.Match() {
		return exit.New(exit.Mismatch, fmt.Sprintf("Dropbox no longer holds what the manifest %q records under %s: %s", path, dpath.Quote(m.Dest), res.Summary()),
			"see the list above; pushing the same results again restores what changed or vanished")
	}
	return nil
}
