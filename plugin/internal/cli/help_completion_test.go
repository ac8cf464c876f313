package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasAnExample walks the command tree: a command added
// without an example in its help fails here.
func TestEveryCommandHasAnExample(t *testing.T) {
	root := newRootCmd(&Env{})
	eachCommand(root, func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no example in its help", c.CommandPath())
		}
	})
}

func TestClosest(t *testing.T) {
	commands := []string{"auth", "decrypt", "emulator", "encrypt", "hash", "key", "pull", "push", "run", "verify", "whoami", "completion"}
	cases := []struct {
		typed string
		names []string
		want  []string
	}{
		{"puhs", commands, []string{"push"}},
		{"pul", commands, []string{"pull"}},
		{"verfy", commands, []string{"verify"}},
		{"emulater", commands, []string{"emulator"}},
		{"frobnicate", commands, nil},
		{"x", commands, nil},
		{"key-password", []string{"key-password", "password", "password-file"}, []string{"key-password"}},
		{"encryptedkey", []string{"encrypted-key", "dry-run"}, []string{"encrypted-key"}},
		{"paralel", []string{"parallel", "password"}, []string{"parallel"}},
		{"Dry_Run", []string{"dry-run"}, []string{"dry-run"}},
	}
	for _, c := range cases {
		if got := closest(c.typed, c.names); !slices.Equal(got, c.want) {
			t.Errorf("closest(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
}
