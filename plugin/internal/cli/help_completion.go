package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Help and shell completion, as a well-made command-line tool has them:
// the help command, completion scripts, "did you mean" for a mistyped
// command or flag, and flags spelled with "-" or "_" between words alike.

// addHelpAndCompletion gives root and every command under it the help
// command, cobra's completion command (dropbox-post completion
// bash|zsh|fish|powershell), completion of flag values (flagCompletion),
// and the normalisation that makes --encrypted-key and
// --encrypted_key one flag. Help shows the "-" spelling.
//
// librec-auto's calling convention (the hidden librec-auto-call command)
// parses its own flags, with flag parsing disabled here, so this changes
// nothing of what it accepts.
func addHelpAndCompletion(root *cobra.Command) {
	root.SetHelpCommand(helpCommand())
	root.CompletionOptions.HiddenDefaultCmd = false
	root.InitDefaultCompletionCmd()
	completionExamples(root)
	root.SetGlobalNormalizationFunc(normalizeFlag)
	eachCommand(root, registerFlagCompletion)
	eachCommand(root, func(c *cobra.Command) {
		if c.HasSubCommands() {
			c.Args, c.RunE = cobra.ArbitraryArgs, groupRun
		}
	})
}

// groupRun runs a command that groups others (the root, key, secrets,
// librec-auto, completion): alone, it shows its help; followed by a word,
// it says that the word names no command under it, with the ones it may
// have meant ("completion bsh": did you mean bash?), exit 2.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return unknownCommand(cmd, args[0])
}

// helpCommand is 'dropbox-post help [command]'. Cobra's own prints the
// root's help, and exits 0, for a topic it does not know (the root takes
// arguments, so a mistyped command "matches" it); this one says the topic is
// unknown, with the commands it may have meant, and exits 2, as a mistyped
// command does.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help for any command: dropbox-post help COMMAND shows what dropbox-post COMMAND --help shows.",
		Example: `  dropbox-post help push
  dropbox-post help secrets export`,
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			parent, _, err := c.Root().Find(args)
			if err != nil || parent == nil {
				parent = c.Root()
			}
			return commandNames(parent), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil {
				cmd, rest = c.Root(), args
			}
			if len(rest) > 0 && !cmd.HasAvailableSubCommands() {
				return exit.New(exit.Usage, fmt.Sprintf("no help topic %q: %q has no commands under it", strings.Join(args, " "), cmd.CommandPath()),
					fmt.Sprintf("see '%s --help'", cmd.CommandPath()))
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// completionExamples adds to cobra's completion commands how to load each
// script.
func completionExamples(root *cobra.Command) {
	examples := map[string]string{
		"completion": "  source <(dropbox-post completion bash)",
		"bash":       "  dropbox-post completion bash > ~/.local/share/bash-completion/completions/dropbox-post",
		"zsh":        "  dropbox-post completion zsh > \"${fpath[1]}/_dropbox-post\"",
		"fish":       "  dropbox-post completion fish > ~/.config/fish/completions/dropbox-post.fish",
		"powershell": "  dropbox-post completion powershell | Out-String | Invoke-Expression",
	}
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = examples["completion"]
		for _, sub := range c.Commands() {
			sub.Example = examples[sub.Name()]
			if sub.Name() == "bash" {
				sub.RunE = withBashCheck(sub.RunE)
			}
		}
	}
}

// bashCheck ends the bash script: cobra's script calls functions of the
// bash-completion package on every TAB, and without them each TAB prints
// "_get_comp_words_by_ref: command not found". This says so once, when the
// script is loaded, instead.
const bashCheck = `
# dropbox-post: the script above needs the bash-completion package.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    echo "dropbox-post completion: this shell has not loaded the bash-completion package, which bash completion needs: install it (apt install bash-completion, dnf install bash-completion, brew install bash-completion@2) and load it in ~/.bashrc before this script" >&2
fi
`

// withBashCheck returns 'completion bash' printing bashCheck after
// cobra's script.
func withBashCheck(script func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if err := script(c, args); err != nil {
			return err
		}
		_, err := io.WriteString(c.OutOrStdout(), bashCheck)
		return err
	}
}

// eachCommand calls f for c and every command under it.
func eachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		eachCommand(sub, f)
	}
}

// normalizeFlag spells a flag name with "-" between words: --key_password
// is --key-password.
func normalizeFlag(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
}

// unknownCommand reports name when it names no command under parent, with
// the commands it may have meant.
func unknownCommand(parent *cobra.Command, name string) error {
	what := fmt.Sprintf("unknown command %q", name)
	if parent.HasParent() {
		what += fmt.Sprintf(" for %q", parent.CommandPath())
	}
	fix := fmt.Sprintf("run '%s --help' for the list of commands", parent.CommandPath())
	if s := closest(name, commandNames(parent)); len(s) > 0 {
		fix = fmt.Sprintf("did you mean %s? %s", strings.Join(s, " or "), fix)
	}
	return exit.New(exit.Usage, what, fix)
}

// commandNames returns the names of the commands a user can give under
// parent (not hidden ones, nor 'help').
func commandNames(parent *cobra.Command) []string {
	var names []string
	for _, c := range parent.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

// flagSuggestion returns "did you mean --NAME?" for pflag's "unknown flag:
// --TYPED" error on cmd, or "" when no flag of cmd is close to TYPED.
func flagSuggestion(cmd *cobra.Command, err error) string {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok || typed == "" {
		return ""
	}
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	s := closest(typed, names)
	if len(s) == 0 {
		return ""
	}
	for i := range s {
		s[i] = "--" + s[i]
	}
	return "did you mean " + strings.Join(s, " or ") + "?"
}

// closest returns the names closest to typed, best first, or none when no
// name is close: the same once "-", "_" and case are ignored, then names
// that start with what was typed, then names at most two edits away (a
// swap of two letters is one edit), at most one for short words.
func closest(typed string, names []string) []string {
	squash := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	t := squash(typed)
	if t == "" {
		return nil
	}
	limit := 2
	if len(t) <= 3 {
		limit = 1
	}
	best, found := limit+1, []string(nil)
	for _, name := range names {
		n := squash(name)
		d := editDistance(t, n)
		switch {
		case n == t:
			d = -2
		case len(t) >= 2 && strings.HasPrefix(n, t):
			d = -1
		}
		if d > limit || d > best {
			continue
		}
		if d < best {
			best, found = d, nil
		}
		found = append(found, name)
	}
	if len(found) > 3 {
		return nil // too many to be a suggestion
	}
	return found
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of adjacent letters, each
// one edit (bytes: command and flag names are ASCII).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
