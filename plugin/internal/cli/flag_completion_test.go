package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// completionStudy is a study whose config has a Dropbox element, as in a
// folder where a person presses TAB: what librec-auto's calling convention
// would post if completion ran it.
const completionStudy = `<?xml version="1.0"?>
<librec-auto>
  <post>
    <script lang="python3" src="system">
      <script-name>dropbox-post.py</script-name>
      <param name="option">folder</param>
      <param name="path">post</param>
      <param name="dest">/study</param>
      <param name="encrypted_key">keys/dropbox.enc</param>
      <param name="password"/>
    </script>
  </post>
</librec-auto>
`

// TestCompleteEveryFlag drives cobra's completion requests (__complete and
// __completeNoDesc, what the bash, zsh, fish and PowerShell scripts run on
// each TAB) for every flag of every command, in each spelling ("-", "_",
// shorthand) and form (--flag VALUE, --flag=VALUE), from inside a study.
// Each must exit 0, offer what flagCompletion says for the flag, never run
// librec-auto's calling convention, and write nothing: no run log in the
// study, nothing in the home folder.
func TestCompleteEveryFlag(t *testing.T) {
	dir := t.TempDir()
	study := filepath.Join(dir, "study")
	home := filepath.Join(dir, "home")
	for _, d := range []string{filepath.Join(study, "conf"), filepath.Join(study, "post"), home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(study, "conf", "config.xml"), []byte(completionStudy), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Chdir(study)
	before := tree(t, dir)

	used := map[string]bool{}
	requests := 0
	complete := func(c *cobra.Command, f *pflag.Flag, args []string) {
		t.Helper()
		requests++
		var out, errb bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: os.Getenv}
		code := run(context.Background(), env, args)
		where := strings.Join(args, " ")
		if code != 0 {
			t.Errorf("%s: exit %d, stderr %q", where, code, errb.String())
		}
		if s := out.String() + errb.String(); strings.Contains(s, "librec-auto call") || strings.Contains(s, "passes each param") {
			t.Errorf("%s: ran librec-auto's calling convention: %q", where, s)
		}
		if strings.Contains(errb.String(), "dropbox-post:") {
			t.Errorf("%s: an error: %q", where, errb.String())
		}
		if !strings.Contains(out.String(), "\n:") && !strings.HasPrefix(out.String(), ":") {
			t.Errorf("%s: no directive line: %q", where, out.String())
		}
		if f == nil || c.DisableFlagParsing || !takesValue(f) || args[len(args)-1] != "" && !strings.HasSuffix(args[len(args)-1], "=") {
			return
		}
		// A flag that takes a value is offered what flagCompletion says.
		want, ok := flagCompletion[f.Name]
		if !ok {
			return // reported once, below
		}
		wantValues, wantDirective := want(c, nil, "")
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		last := lines[len(lines)-1]
		got, err := strconv.Atoi(strings.TrimPrefix(last, ":"))
		if !strings.HasPrefix(last, ":") || err != nil {
			t.Errorf("%s: no directive line: %q", where, out.String())
			return
		}
		if cobra.ShellCompDirective(got) != wantDirective {
			t.Errorf("%s: directive %d, want %d", where, got, wantDirective)
		}
		var values []string
		for _, l := range lines[:len(lines)-1] {
			v, _, _ := strings.Cut(l, "\t") // the description, with __complete
			values = append(values, v)
		}
		if strings.Join(values, " ") != strings.Join(wantValues, " ") {
			t.Errorf("%s: offered %q, want %q", where, values, wantValues)
		}
	}

	root := newRootCmd(&Env{})
	root.InitDefaultHelpCmd()
	eachCommand(root, func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		for _, req := range []string{cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd} {
			// The command's own arguments, and its flags' names.
			complete(c, nil, append(append([]string{req}, path...), ""))
			complete(c, nil, append(append([]string{req}, path...), "--"))
		}
		c.InheritedFlags() // merges the parents' persistent flags into c.Flags()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if takesValue(f) {
				if _, ok := flagCompletion[f.Name]; !ok {
					t.Errorf("%s --%s takes a value but has no entry in flagCompletion", c.CommandPath(), f.Name)
				}
				used[f.Name] = true
			}
			spellings := []string{"--" + f.Name}
			if strings.Contains(f.Name, "-") {
				spellings = append(spellings, "--"+strings.ReplaceAll(f.Name, "-", "_"))
			}
			if f.Shorthand != "" {
				spellings = append(spellings, "-"+f.Shorthand)
			}
			for _, req := range []string{cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd} {
				for _, s := range spellings {
					base := append([]string{req}, path...)
					complete(c, f, append(slices.Clone(base), s, ""))
					if strings.HasPrefix(s, "--") {
						complete(c, f, append(slices.Clone(base), s+"="))
					}
				}
			}
		})
	})
	for name := range flagCompletion {
		if !used[name] {
			t.Errorf("flagCompletion has %q, which no command has", name)
		}
	}
	if after := tree(t, dir); !slices.Equal(before, after) {
		t.Errorf("completion wrote files:\nbefore %q\nafter  %q", before, after)
	}
	t.Logf("%d completion requests", requests)
}

// tree lists every file and folder under dir.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		names = append(names, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
