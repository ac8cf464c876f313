package cli

import "github.com/spf13/cobra"

// syncCommands returns pull and verify.
func syncCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{transfers(pullCmd(env)), verifyCmd(env)}
}
