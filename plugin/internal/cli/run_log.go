package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/runlog"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// startRunLog opens a log of this run in study's .dropbox-post/logs/ and
// copies into it, through the redactor, everything the run prints on
// stdout and stderr (escaped as printed). The returned finish records the
// outcome (the error's message and exit code), closes the log, and, when
// there is a controlling terminal that stderr is not (librec-auto captures
// stderr), prints the outcome on the terminal too (with --quiet, only a
// failure). The outcome counts what the pushes left out (links leading out
// of the study, loops, special files: env.leftOut), and then, as on
// failure, gives the log's path, which names each. A log that cannot be
// opened is a warning, never a failure.
func startRunLog(env *Env, study, what string) (finish func(error) error) {
	if fi, err := os.Stat(study); err != nil || !fi.IsDir() {
		return func(err error) error { return err } // the run reports it
	}
	dir := studyFolder(env, study, statedir.Logs)
	if dir == nil {
		return func(err error) error { return err }
	}
	log, err := runlog.Open(dir, time.Now())
	if err != nil {
		env.Log.Warn("no run log written in the study", "study", study, "error", err.Error())
		return func(err error) error { return err }
	}
	w := logging.Escape(env.Redactor.Writer(log)) // escaped as printed: a log read with cat drives no terminal
	env.Stdout = io.MultiWriter(env.Stdout, w)
	env.Stderr = io.MultiWriter(env.Stderr, w)
	env.Log = logging.New(env.Stderr, env.Redactor, env.logOpts)
	fmt.Fprintf(w, "dropbox-post %s: %s in %q, started %s\n", Version, what, study, time.Now().Format(time.RFC3339))
	return func(err error) error {
		outcome := func(why string) string {
			s := "done (exit 0)"
			if err != nil {
				s = fmt.Sprintf("failed (exit %d)", exit.CodeOf(err))
			}
			if env.leftOut > 0 {
				s += fmt.Sprintf(", %d left out", env.leftOut)
			}
			if err != nil {
				s += ": " + string(env.Redactor.Redact([]byte(why)))
			}
			return s
		}
		var why string
		if err != nil {
			why = err.Error()
		}
		fmt.Fprintf(w, "outcome: %s\n", outcome(why))
		log.Close()
		if env.TTY != nil && !env.StderrTerminal && (err != nil || !env.logOpts.Quiet) {
			line := "dropbox-post: " + what + ": " + outcome(pointToLog(err))
			if err != nil || env.leftOut > 0 {
				// Absolute: librec-auto runs this from the study, not from
				// where the person is.
				path, absErr := filepath.Abs(log.Path)
				if absErr != nil {
					path = log.Path
				}
				line += fmt.Sprintf("; log: %q", path)
			}
			fmt.Fprintln(logging.Escape(env.TTY), line)
		}
		return err
	}
}

// pointToLog returns err's message for the terminal line of a run whose
// stdout and stderr went elsewhere (librec-auto hides them): a fix that
// points at what was printed above ("see the list above", "see the report
// above") points at the log instead, which holds it.
func pointToLog(err error) string {
	if err == nil {
		return ""
	}
	if ee, ok := err.(*exit.Error); ok {
		for _, above := range []string{"see the list above", "see the report above"} {
			if rest, found := strings.CutPrefix(ee.Fix, above); found {
				return ee.What + ": see the log" + rest
			}
		}
	}
	return err.Error()
}
