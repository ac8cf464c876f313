package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

func hashCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print the Dropbox content hash of local files",
		Long: `hash prints each file's Dropbox content hash (SHA-256 of the SHA-256 digests
of its 4 MiB blocks), the value Dropbox shows as content_hash, in the format
of sha256sum: "<hash>  <file>". It needs no credential.`,
		Example: `  dropbox-post hash exp00000/result/out-1.txt
  dropbox-post hash exp00000/result/*.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				h, _, err := local.HashFile(name)
				switch {
				case errors.Is(err, fs.ErrNotExist):
					return exit.New(exit.Usage, fmt.Sprintf("%q does not exist", name), "check the path")
				case err != nil:
					return exit.Wrap(exit.Local, err, fmt.Sprintf("cannot hash %q: %v", name, errors.Unwrap(err)), "check that it is a readable file")
				}
				fmt.Fprintf(env.Stdout, "%s  %s\n", h, report.QuoteOdd(name))
			}
			return nil
		},
	}
}
