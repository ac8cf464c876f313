package cli

import "github.com/spf13/cobra"

// credentialCommands returns auth, whoami and secrets.
func credentialCommands(env *Env) []*cobra.Command { return nil }
