//go:build !unix

package cli

// backgroundMain has no background job to start where there are no process
// groups: it fails.
func backgroundMain() int { return 98 }
