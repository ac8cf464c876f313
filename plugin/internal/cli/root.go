// Package cli holds the dropbox-post commands. Each command parses its
// flags and calls one function of an internal package; the work happens
// there. Errors are returned, printed once by Main, and turned into the exit
// codes of package exit.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// Env is what a command sees of the outside world. Tests give their own.
type Env struct {
	Stdin io.Reader
	// Stdout and Stderr are where messages go; Main escapes every control
	// character written to them (logging.Escape), so nothing from outside
	// can drive the terminal. Data is stdout as it is, for the data a
	// person asked for (decrypt, secrets export); nil means Stdout.
	Stdout io.Writer
	Stderr io.Writer
	Data   io.Writer
	Getenv func(string) string
	// StderrTerminal says whether stderr is a terminal (for a progress bar).
	StderrTerminal bool
	// StderrWidth returns the width of the terminal on stderr (0 if
	// unknown); nil: unknown.
	StderrWidth func() int
	// TTY is the process's controlling terminal (/dev/tty) open for reading
	// and writing, nil when it has none. Passwords are asked for on it,
	// whatever stdin, stdout and stderr are, as Python's getpass does:
	// librec-auto runs post scripts with stdout and stderr captured and
	// stdin on the terminal. ReadPassword reads a line from it without echo;
	// both are set by OSEnv. A test gives its own ReadPassword and Prompt
	// with TTY nil.
	TTY          *os.File
	ReadPassword func() ([]byte, error)
	// Prompt is where password prompts go (the TTY); nil: no one can be
	// asked, and a missing password is exit code 6 at once.
	Prompt io.Writer

	Log      hclog.Logger
	Redactor *logging.Redactor
	logOpts  logging.Options
	// rawStderr is stderr before escaping: only the progress display
	// writes there, its own escape sequences around escaped text.
	rawStderr io.Writer
	// prog shows what the command is doing; made once the flags are
	// parsed. Every other write to stdout and stderr goes above it.
	prog *progress.Meter
	// reach is shared by every Dropbox client the command makes, so that
	// a host that cannot be reached is given up on once (dbx.Reach).
	reach *dbx.Reach
	// leftOut counts what the pushes of a run left out (symbolic links
	// leading out of the study, loops, special files …; each is named in
	// the summary): the run log's outcome line says how many.
	leftOut int
	// credentialFrom says where the one credential of the command came
	// from (a key file, environment variables), "" until it is read.
	credentialFrom string
}

// aboveProgress is a writer that clears the progress line before each
// write, so that messages and the status line do not mix.
type aboveProgress struct {
	env *Env
	w   io.Writer
}

func (a aboveProgress) Write(p []byte) (int, error) {
	return a.env.prog.Above(a.w).Write(p)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// progressLines is the annotation of the commands that write progress
// lines when stderr is not a terminal: those that transfer files.
const progressLines = "progress-lines"

// transfers marks cmd as one that transfers files.
func transfers(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[progressLines] = "yes"
	return cmd
}

// endProgress ends the progress display of the current step before its
// summary is printed.
func (env *Env) endProgress() { env.prog.End() }

// OSEnv returns the Env of the running process.
func OSEnv() *Env {
	env := &Env{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Getenv:         os.Getenv,
		StderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		StderrWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
	if tty := openTTY(); tty != nil {
		env.TTY, env.Prompt = tty, tty
		env.ReadPassword = func() ([]byte, error) { return term.ReadPassword(int(tty.Fd())) }
	}
	return env
}

// openTTY opens the controlling terminal, or returns nil when the process
// has none. (Windows has no /dev/tty: there stdin and stderr are used when
// both are a console.)
func openTTY() *os.File {
	if runtime.GOOS == "windows" {
		if term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd())) {
			return os.Stdin
		}
		return nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	if !term.IsTerminal(int(tty.Fd())) {
		tty.Close()
		return nil
	}
	return tty
}

// Main runs the program with args (without the program name) and returns
// its exit code.
func Main(env *Env, args []string) int {
	// The notices go through env.Stderr as run sets it up (escaped, above
	// the progress line), looked up when they are written.
	notice := writerFunc(func(p []byte) (int, error) { return env.Stderr.Write(p) })
	return withSignals(notice, secret.SaveTerminal(env.TTY), func(ctx context.Context) int { return run(ctx, env, args) })
}

func run(ctx context.Context, env *Env, args []string) int {
	if env.Data == nil {
		env.Data = env.Stdout
	}
	if env.rawStderr == nil {
		env.rawStderr = env.Stderr
	}
	env.Stdout, env.Stderr = logging.Escape(env.Stdout), logging.Escape(env.Stderr)
	env.Stdout, env.Stderr = aboveProgress{env, env.Stdout}, aboveProgress{env, env.Stderr}
	if env.Prompt != nil { // a prompt on the terminal stops the status line until the next phase
		env.Prompt = aboveProgress{env, logging.Escape(env.Prompt)}
	}
	if env.Redactor == nil {
		env.Redactor = &logging.Redactor{}
	}
	env.Log = logging.New(env.Stderr, env.Redactor, logging.Options{})

	root := newRootCmd(env)
	root.SetArgs(librecAutoArgs(root, args))
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	env.prog.Close()
	if err == nil {
		return int(exit.OK)
	}
	err = env.blameCredential(err)
	code := exit.CodeOf(err)
	if ctx.Err() != nil && code == exit.Failure || errors.Is(err, context.Canceled) {
		code = exit.Interrupted
	}
	msg := string(env.Redactor.Redact([]byte(err.Error())))
	if env.logOpts.Format == "json" {
		// Machine-read logs get the error as one more JSON line. (The
		// logger is made again: flag errors come before it is set up.)
		logging.New(env.Stderr, env.Redactor, env.logOpts).Error(msg, "exit_code", int(code))
	} else {
		fmt.Fprintf(env.Stderr, "dropbox-post: %s\n", msg)
	}
	return int(code)
}

func newRootCmd(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "dropbox-post",
		Short: "Post librec-auto study results to Dropbox, and pull shared data back",
		Long: `dropbox-post posts the results of librec-auto studies to Dropbox.

It runs a study's Dropbox post-processing (dropbox-post run -t STUDY -k PASSWORD),
uploads only what changed, reads librec-auto's encrypted key files, and comes
with a local Dropbox emulator for tests and demos. See the README for details.

Flags are accepted with "-" or "_" between words: --encrypted-key and
--encrypted_key are the same flag.`,
		Example: `  dropbox-post run -t mystudy -k "$PW"
  dropbox-post push --encrypted-key keys/dropbox.enc -k "$PW" exp00000 /studies/demo/exp00000
  dropbox-post whoami --encrypted-key keys/dropbox.enc -k "$PW"
  source <(dropbox-post completion bash)`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       ToolVersion(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := env.logOpts.Validate(); err != nil {
				return exit.New(exit.Usage, err.Error(), "")
			}
			if env.logOpts.Verbose && env.logOpts.Quiet {
				return exit.New(exit.Usage, "--verbose and --quiet contradict each other", "give one of them")
			}
			env.Log = logging.New(env.Stderr, env.Redactor, env.logOpts)
			if env.prog == nil {
				// Without a terminal, only the commands that transfer write
				// progress lines (CI logs want them; a decrypt does not).
				lines := cmd.Annotations[progressLines] != ""
				env.prog = progress.New(env.rawStderr, progress.Options{
					Terminal: env.StderrTerminal, Width: env.StderrWidth, Quiet: env.logOpts.Quiet || !env.StderrTerminal && !lines})
			}
			return nil
		},
	}
	root.SetVersionTemplate(versionText())
	pf := root.PersistentFlags()
	pf.StringVar(&env.logOpts.Format, "log-format", "text", "log format: text or json")
	pf.BoolVarP(&env.logOpts.Verbose, "verbose", "v", false, "log more (debug lines)")
	pf.BoolVarP(&env.logOpts.Quiet, "quiet", "q", false, "print nothing when all goes well, only errors otherwise (no progress, no summary)")

	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		fix := fmt.Sprintf("see '%s --help'", cmd.CommandPath())
		if s := flagSuggestion(cmd, err); s != "" {
			fix = s + " " + fix
		}
		return exit.New(exit.Usage, flagError(err), fix)
	})

	groups := [][]*cobra.Command{
		keyCommands(env),
		emulatorCommands(env),
		{transfers(pushCmd(env)), hashCmd(env)},
		runCommands(env),
		credentialCommands(env),
		{transfers(pullCmd(env)), verifyCmd(env), lsCmd(env)},
		{versionCmd()},
	}
	for _, g := range groups {
		root.AddCommand(g...)
	}
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	addHelpAndCompletion(root)
	versionEverywhere(root)
	return root
}

// wrapArgs turns cobra's positional-argument errors into Usage errors.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		return nil
	}
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var done *exit.Error
		if errors.As(err, &done) {
			return err // already says what to do
		}
		if err != nil {
			what := argCountError(cmd, args, err.Error())
			if !strings.Contains(what, cmd.CommandPath()) {
				what = cmd.CommandPath() + ": " + what
			}
			return exit.New(exit.Usage, what, "usage: "+cmd.UseLine())
		}
		return nil
	}
}

// cobraCount matches cobra's messages for a wrong number of arguments
// ("accepts 2 arg(s), received 1").
var cobraCount = regexp.MustCompile(`^(?:accepts|requires) .*arg\(s\)`)

// argCountError says what cmd takes, by the argument names of its Use
// line, and what it got (quoted), in place of cobra's "accepts 2 arg(s),
// received 1". Other messages are kept.
func argCountError(cmd *cobra.Command, args []string, msg string) string {
	if !cobraCount.MatchString(msg) {
		return msg
	}
	var names []string
	for _, w := range strings.Fields(cmd.Use)[1:] {
		if w == "|" {
			break // another form follows
		}
		if w == strings.ToUpper(w) && strings.Trim(w, ".") != "" && !strings.ContainsAny(w, "[]-") {
			if many, ok := strings.CutSuffix(w, "..."); ok {
				w = "one or more " + many
			}
			names = append(names, w)
		}
	}
	if len(names) == 0 {
		return msg
	}
	takes := fmt.Sprintf("%s takes %s", cmd.CommandPath(), strings.Join(names, " and "))
	switch len(args) {
	case 0:
		return takes + ", got no argument"
	case 1:
		return fmt.Sprintf("%s, got one argument: %q", takes, args[0])
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	return fmt.Sprintf("%s, got %d arguments: %s", takes, len(args), strings.Join(quoted, " "))
}

// flagError shortens pflag's messages for a value of the wrong kind:
// 'invalid argument "four" for "--parallel" flag: strconv.ParseInt:
// parsing "four": invalid syntax' says only that "four" is not a number.
func flagError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": strconv.Parse"); i >= 0 {
		kind := "a number"
		if strings.Contains(msg[i:], "ParseBool") {
			kind = "true or false"
		}
		return msg[:i] + ": not " + kind
	}
	return msg
}
