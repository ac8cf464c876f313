package cli

import "github.com/spf13/cobra"

// keyCommands returns encrypt, decrypt and key (info, upgrade).
func keyCommands(env *Env) []*cobra.Command { return nil }
