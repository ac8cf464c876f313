package cli

import "github.com/rogpeppe/go-internal/testscript"

// scriptCommands returns the extra commands the CLI scenarios may use.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"emu":      scriptEmuCmd,
		"emulator": scriptEmulatorCmd,
		"exitcode": cmdExitcode,
	}
}
