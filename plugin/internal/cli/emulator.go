package cli

import "github.com/spf13/cobra"

// emulatorCommands returns the emulator command.
func emulatorCommands(env *Env) []*cobra.Command { return nil }
