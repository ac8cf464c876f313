package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
	"github.com/librec-auto/dropbox-post/plugin/internal/study"
)

// librecAutoCommand is the hidden command behind librec-auto's calling
// convention; librecAutoArgs puts its name in front of such a call.
const librecAutoCommand = "librec-auto-call"

// librecAutoArgs returns the root command's arguments for args. A call in
// librec-auto's convention (a config file first, then --NAME=VALUE params)
// goes to the hidden librec-auto-call command. A first argument that names
// a command, is a flag, or looks like neither a config file nor the start of
// such a call is left alone, so that a mistyped command is still reported
// as one. So is a request of shell completion (cobra's hidden __complete
// commands, added only when it runs): completing "push --encrypted-key "
// must never run a post, nor write a log in the study.
func librecAutoArgs(root *cobra.Command, args []string) []string {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "help" ||
		args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd {
		return args
	}
	for _, c := range root.Commands() {
		if c.Name() == args[0] || c.HasAlias(args[0]) {
			return args
		}
	}
	if !strings.EqualFold(filepath.Ext(args[0]), ".xml") && !hasElementParam(args[1:]) {
		return args
	}
	return append([]string{librecAutoCommand}, args...)
}

func hasElementParam(args []string) bool {
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if _, ok := configschema.CanonicalParam(name); ok {
				return true
			}
		}
	}
	return false
}

func librecAutoCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   librecAutoCommand + " CONFIG --option=… --path=… --dest=… [--encrypted_key=…] [--password=…]",
		Short: "Post one element the way librec-auto runs a post script",
		Long: `dropbox-post CONFIG --option=… --path=… --dest=… --encrypted_key=… --password=…
is how librec-auto runs a Dropbox post element (through scripts/dropbox-post.py),
from the study directory: CONFIG is the config's bare file name (config.xml, in
conf/) or a path, then one --NAME=VALUE for each param with text; the last of a
repeated param wins, except --exclude and --include, which each count. An extra argument after CONFIG (older librec-auto versions
passed the study) is used as the study directory when it holds CONFIG, and
ignored otherwise.

Every --NAME=VALUE comes from the study's config, which may come from a public
repository: only the element's own params count (option, path, dest,
encrypted_key, password, share, exclude, include, max_size). Any other name (--api-url, --allow-outside-study,
--manifest-dir, --parallel, --dry-run, …) is ignored with a warning. Where
requests go (DROPBOX_API_URL), the password (DROPBOX_POST_PASSWORD) and the
rest are set by the person running it, with the environment, or with
'dropbox-post run' and its flags.`,
		Hidden:             true,
		DisableFlagParsing: true, // every argument is read by parseLibrecCall
		Args:               cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return librecAutoCall(cmd, env, args)
		},
	}
}

// librecCall is a call in librec-auto's convention, parsed.
type librecCall struct {
	positional []string
	params     []configschema.Flag // canonical names, the last value of each (every value of a repeatable one), in first-seen order
	password   secret.Given        // --password, the last one
	passwords  int                 // how many --password params there were
	ignored    []string            // names that are not element params, as written, once each
}

// parseLibrecCall reads CONFIG [STUDY] --NAME=VALUE …. Only the names of
// configschema.ElementParams count, in any case and with "-" or "_"; every
// other argument that starts with "-" is set aside in ignored, with its
// value never kept. A param of the element without "=VALUE" is an error.
func parseLibrecCall(args []string) (librecCall, error) {
	var c librecCall
	index := map[string]int{}
	seenIgnored := map[string]bool{}
	ignore := func(name string) {
		if !seenIgnored[name] {
			seenIgnored[name] = true
			c.ignored = append(c.ignored, name)
		}
	}
	for i, a := range args {
		if a == "--" {
			c.positional = append(c.positional, args[i+1:]...)
			break
		}
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			if len(a) > 1 && strings.HasPrefix(a, "-") {
				n, _, _ := strings.Cut(a, "=")
				ignore(n)
				continue
			}
			c.positional = append(c.positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(name, "=")
		spec, known := configschema.CanonicalParam(name)
		switch {
		case !known:
			ignore("--" + name)
		case !hasValue:
			return c, exit.Usagef("librec-auto passes each param as --NAME=VALUE", "--%s has no value", name)
		case spec.Name == "password":
			c.password, c.passwords = secret.Give(value), c.passwords+1
		case spec.Repeatable: // each one counts (--exclude=a --exclude=b)
			c.params = append(c.params, configschema.Flag{Name: spec.Name, Value: value})
		default:
			if j, ok := index[spec.Name]; ok {
				c.params[j].Value = value
			} else {
				index[spec.Name] = len(c.params)
				c.params = append(c.params, configschema.Flag{Name: spec.Name, Value: value})
			}
		}
	}
	return c, nil
}

// librecAutoCall parses a librec-auto call, checks its element, and posts it.
func librecAutoCall(cmd *cobra.Command, env *Env, args []string) error {
	if err := cmd.Root().PersistentPreRunE(cmd, nil); err != nil {
		return err
	}
	// librec-auto runs post scripts from the study directory: a malformed
	// call is logged there too.
	call, err := parseLibrecCall(args)
	pos := call.positional
	dir := "."
	if err == nil && len(pos) == 2 && isFile(configschema.StudyConfig(pos[1], pos[0])) {
		dir = pos[1]
	}
	finish := startRunLog(env, dir, "librec-auto call")
	switch {
	case err != nil:
		return finish(err)
	case len(pos) == 0:
		return finish(exit.Usagef("librec-auto passes the config's file name first: dropbox-post config.xml --option=… --path=… --dest=…", "no CONFIG given"))
	case len(pos) > 2:
		return finish(exit.Usagef("give CONFIG, then --NAME=VALUE params", "unexpected arguments %q", pos[2:]))
	case len(pos) == 2 && dir == ".":
		env.Log.Debug("ignoring the extra argument: it is not a study directory holding the config", "argument", pos[1])
	}
	return finish(postCall(cmd.Context(), env, call, dir))
}

// postCall checks the element of a librec-auto call and posts it.
func postCall(ctx context.Context, env *Env, call librecCall, dir string) error {
	var ignored []string
	for _, name := range call.ignored {
		if strings.EqualFold(name, "--channel") {
			env.Log.Debug("ignoring --channel, a param of librec-auto's Slack script")
			continue
		}
		ignored = append(ignored, name)
	}
	if len(ignored) > 0 {
		env.Log.Warn(ignoredParamWarning(ignored))
	}
	// Everything but the element comes from the person: the defaults of
	// run's flags, and the environment (DROPBOX_API_URL, the password).
	var df dropboxFlags
	tf := transferDefaults
	mode, err := tf.check(env)
	if err != nil {
		return err
	}
	if _, err := df.endpoint(env); err != nil {
		return err
	}
	pw, err := shimPassword(env)
	if err != nil {
		return err
	}
	if !pw.given.Set {
		pw = callPassword{call.password, call.passwords}
	}

	config := configschema.StudyConfig(dir, call.positional[0])
	if !isFile(config) {
		env.Log.Warn("the config file is not there: is the working directory the study directory?", "config", config)
	}

	e, err := study.CallElement(dir, config, call.params, pw.schema(), configschema.ResolveOptions{Allowed: tf.allowed, RequireKey: !envCredential(env)}, env.Log)
	if err != nil {
		return err
	}
	o := tf.studyOptions(env, &df, mode, dir, config)
	var r secret.Request
	if e.Password == configschema.PasswordFromFlag { // -k's: a flag; the config's text is the element's
		r.Password = pw.given
	}
	o.Password = env.passwordRequest(r)
	p := &runPrinter{env: env, tf: &tf}
	return p.post(ctx, []configschema.Element{e}, o)
}

// ignoredParamWarning says, once for them all, why these --NAME=VALUE of a
// librec-auto call are ignored. It names the params, quoted, never their
// values.
func ignoredParamWarning(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return "ignoring " + strings.Join(quoted, ", ") + ": librec-auto passes the config's params, and only a Dropbox element's own params " +
		"(" + elementParamList() + ") count; where requests go, paths outside the study, manifests, " +
		"the password's source and parallelism are set by the environment or by 'dropbox-post run' flags"
}

// elementParamList names the element params, for messages.
func elementParamList() string {
	var names []string
	for _, p := range configschema.ElementParams {
		if p.Supported {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ", ")
}

// isFile reports whether path names a file (or a link to one).
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
