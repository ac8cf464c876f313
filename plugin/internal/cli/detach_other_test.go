//go:build !unix

package cli

// detachTerminal does nothing where there is no controlling terminal to
// leave.
func detachTerminal() {}
