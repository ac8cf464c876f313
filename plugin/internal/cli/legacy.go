package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// librecAutoCommand is the hidden command behind librec-auto's calling
// convention; librecAutoArgs puts its name in front of such a call.
const librecAutoCommand = "librec-auto-call"

// elementParams are the params of a Dropbox element, as librec-auto passes
// them: --NAME=VALUE.
var elementParams = []string{"option", "encrypted_key", "path", "dest", "share", "password"}

// librecAutoArgs returns the root command's arguments for args. A call in
// librec-auto's convention (a config file first, then --NAME=VALUE params)
// goes to the hidden librec-auto-call command. A first argument that names
// a command, is a flag, or looks like neither a config file nor the start of
// such a call is left alone, so that a mistyped command is still reported
// as one.
func librecAutoArgs(root *cobra.Command, args []string) []string {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "help" {
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
			for _, p := range elementParams {
				if name == p {
					return true
				}
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
repeated flag wins. Params of other scripts (--channel=…) are ignored. An extra
argument after CONFIG (older librec-auto versions passed the study) is used as
the study directory when it holds CONFIG, and ignored otherwise.

The element is checked with the rules of 'run' and posted like one of its
elements; the flags of 'run' (--dry-run, --output, --if-exists, …) apply.`,
		Hidden:             true,
		DisableFlagParsing: true, // params of other scripts must not stop the post
		Args:               cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return librecAutoCall(cmd, env, args)
		},
	}
}

// librecAutoCall parses a librec-auto call, checks its element, and posts it.
func librecAutoCall(cmd *cobra.Command, env *Env, args []string) error {
	var params struct{ option, path, dest, share string }
	var allowOutside, help bool
	var df dropboxFlags
	var tf transferFlags
	fs := pflag.NewFlagSet(librecAutoCommand, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.AddFlagSet(cmd.InheritedFlags())
	fs.StringVar(&params.option, "option", "", "file, folder, or No")
	fs.StringVar(&params.path, "path", "", "the file or folder to post, relative to the study")
	fs.StringVar(&params.dest, "dest", "", "the Dropbox folder to post to")
	fs.StringVar(&params.share, "share", "", "true: also make a shared link")
	fs.BoolVar(&allowOutside, "allow-outside-study", false, "let path and encrypted_key lead outside the study directory")
	fs.BoolVarP(&help, "help", "h", false, "help")
	df.register(fs)
	tf.register(fs)

	known, ignored := splitKnown(fs, args)
	if err := fs.Parse(known); err != nil {
		return exit.Usagef("librec-auto passes CONFIG --NAME=VALUE …; see 'dropbox-post run --help'", "%v", err)
	}
	// The log flags are known only now.
	if err := cmd.Root().PersistentPreRunE(cmd, nil); err != nil {
		return err
	}
	for _, name := range ignored {
		env.Log.Debug("ignoring a param dropbox-post does not use", "flag", "--"+name)
	}
	if help {
		return cmd.Help()
	}
	pos := fs.Args()
	switch {
	case len(pos) == 0:
		return exit.Usagef("librec-auto passes the config's file name first: dropbox-post config.xml --option=… --path=… --dest=…", "no CONFIG given")
	case len(pos) > 2:
		return exit.Usagef("give CONFIG, then --NAME=VALUE params", "unexpected arguments %q", pos[2:])
	}
	mode, err := tf.check()
	if err != nil {
		return err
	}
	if _, err := df.endpoint(env); err != nil {
		return err
	}
	study := "."
	if len(pos) == 2 {
		if isFile(configschema.StudyConfig(pos[1], pos[0])) {
			study = pos[1]
		} else {
			env.Log.Debug("ignoring the extra argument: it is not a study directory holding the config", "argument", pos[1])
		}
	}
	config := configschema.StudyConfig(study, pos[0])
	if !isFile(config) {
		env.Log.Warn("the config file is not there: is the working directory the study directory?", "config", config)
	}

	var flags []configschema.Flag
	for _, name := range elementParams {
		if fs.Changed(name) && name != "password" {
			flags = append(flags, configschema.Flag{Name: name, Value: fs.Lookup(name).Value.String()})
		}
	}
	if fs.Changed("password") || fs.Changed("key_password") || fs.Changed("password-file") {
		flags = append(flags, configschema.Flag{Name: "password"}) // the value stays with df.pw
	}
	e, warns, err := configschema.ResolveParams(study, flags,
		configschema.ResolveOptions{AllowOutsideStudy: allowOutside, RequireKey: !envCredential(env)})
	if err := checked(env, warns, err); err != nil {
		return err
	}
	p := &poster{env: env, df: &df, tf: &tf, mode: mode, study: study, config: config, elems: []configschema.Element{e}}
	return p.post(cmd.Context())
}

// splitKnown separates the arguments fs knows from the --NAME[=VALUE]
// flags it does not: librec-auto passes every param of an element, and a
// param meant for another script must not stop the post. Only the names of
// those are returned, never their values.
func splitKnown(fs *pflag.FlagSet, args []string) (known, unknown []string) {
	for i, a := range args {
		if a == "--" {
			return append(known, args[i:]...), unknown
		}
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if fs.Lookup(name) == nil {
				unknown = append(unknown, name)
				continue
			}
		}
		known = append(known, a)
	}
	return known, unknown
}

// isFile reports whether path names a file (or a link to one).
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
