package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/shiminstall"
)

// librecAutoGroupCmd is 'dropbox-post librec-auto', the commands that fit
// dropbox-post into a librec-auto installation.
func librecAutoGroupCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "librec-auto",
		Short:   "Fit dropbox-post into librec-auto: install the shim where librec-auto looks",
		Example: "  dropbox-post librec-auto install",
	}
	cmd.AddCommand(librecAutoInstallCmd(env))
	return cmd
}

func librecAutoInstallCmd(env *Env) *cobra.Command {
	var python string
	var uninstall, dryRun bool
	cmd := &cobra.Command{
		Use:   "install [--python PYTHON] [--uninstall] [--dry-run]",
		Short: "Put the shim in librec-auto's post folder, so that src=\"system\" runs dropbox-post",
		Long: `install asks PYTHON (default python3; a virtualenv's python works) where its
librec_auto package is (PYTHONPATH counts; the current folder never does, nor
PYTHONPATH entries that are not absolute paths: a study may ship a
librec_auto/ of its own), and writes the shim that runs this binary into
librec_auto/core/cmd/post/ under both names a config may use: dropbox-post.py
(the librec-auto how-to's) and dropbox_post.py (the script librec-auto ships).
librec-auto's own dropbox_post.py is kept aside as dropbox_post.py.orig, once.
Then a config element with src="system" and <script-name>dropbox-post.py</script-name>
(or dropbox_post.py) runs dropbox-post. Running it again changes nothing
unless this binary moved. --uninstall removes the shims and puts back what
was kept aside.`,
		Example: `  dropbox-post librec-auto install
  dropbox-post librec-auto install --python ~/venvs/librec/bin/python
  dropbox-post librec-auto install --uninstall`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, ignored, err := shiminstall.PostDir(cmd.Context(), python)
			if len(ignored) > 0 {
				env.Log.Warn(fmt.Sprintf("PYTHONPATH entries that are not absolute paths are left out (%q), so that nothing is imported from the current folder", ignored))
			}
			if err != nil {
				return err
			}
			bin, err := os.Executable()
			if err == nil {
				bin, err = filepath.EvalSymlinks(bin)
			}
			if err != nil {
				return exit.Wrap(exit.Failure, err, "cannot find this program's own path", "")
			}
			o := shiminstall.Options{Python: python, Binary: bin, Shim: shiminstall.Source, DryRun: dryRun}
			var acts []shiminstall.Action
			if uninstall {
				acts, err = shiminstall.Uninstall(dir, o)
			} else {
				acts, err = shiminstall.Install(dir, o)
			}
			prefix := ""
			if dryRun {
				prefix = "dry run, would have: "
			}
			for _, a := range acts {
				fmt.Fprintln(env.Stdout, prefix+a.String())
			}
			if err == nil && len(acts) == 0 {
				fmt.Fprintf(env.Stdout, "nothing to do in %q\n", dir)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&python, "python", "python3", "the `PYTHON` that runs librec-auto (its librec_auto package is used)")
	f.BoolVar(&uninstall, "uninstall", false, "remove the shims and restore librec-auto's own dropbox_post.py")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be done, change nothing")
	return cmd
}
