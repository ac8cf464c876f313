package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

func hashCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print the Dropbox content hash of local files",
		Long: `hash prints each file's Dropbox content hash (SHA-256 of the SHA-256 digests
of its 4 MiB blocks), the value Dropbox shows as content_hash, in the format
of sha256sum: "<hash>  <file>". It needs no credential.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				h, _, err := local.HashFile(name)
				if err != nil {
					return exit.Wrap(exit.Local, err, fmt.Sprintf("cannot hash %s: %v", name, err), "check the path")
				}
				fmt.Fprintf(env.Stdout, "%s  %s\n", h, name)
			}
			return nil
		},
	}
}
