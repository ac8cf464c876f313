package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// CommandTree returns the dropbox-post command tree as the program builds
// it, for its generated reference (plugin/cmd/docgen): nothing runs it. It
// sees an empty environment, so no default in the reference depends on
// the machine that generated it.
func CommandTree() *cobra.Command {
	return newRootCmd(&Env{
		Stdin:  strings.NewReader(""),
		Stdout: io.Discard,
		Stderr: io.Discard,
		Getenv: func(string) string { return "" },
	})
}
