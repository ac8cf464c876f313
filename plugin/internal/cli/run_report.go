package cli

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/study"
)

// runPrinter prints a run (study.Post) as it goes: for a whole study
// (run), a heading per element and an overall line; for librec-auto's call
// of one element, its summary alone. With --output json, one document at
// the end.
type runPrinter struct {
	env    *Env
	tf     *transferFlags
	elems  []configschema.Element
	config string // the config file, as given
	whole  bool
	// commands are, in a dry run, the commands librec-auto would run, by
	// element index.
	commands map[int]string
}

// post posts elems with o, printing as it goes, and returns Post's error.
func (r *runPrinter) post(ctx context.Context, elems []configschema.Element, o study.Options) error {
	r.elems, r.config, r.commands = elems, o.Config, map[int]string{}
	o.Pushing, o.Pushed = r.heading, r.pushed
	res, err := study.Post(ctx, elems, o)
	if res != nil {
		r.finish(o, res)
	}
	return err
}

// heading prints, in text output, which element comes (for a whole study)
// and, in a dry run, the command librec-auto would run for it.
func (r *runPrinter) heading(o *study.Outcome) {
	e := o.Element
	if r.tf.dryRun && e.Option != configschema.Skip {
		r.commands[e.Index] = commandLine(r.config, e)
	}
	if r.tf.output != "text" || r.env.logOpts.Quiet {
		return
	}
	w := r.env.Stdout
	switch {
	case r.whole:
		fmt.Fprintln(w, e.String())
	case e.Option == configschema.Skip:
		fmt.Fprintln(w, "skipped: --option=No")
	}
	if c := r.commands[e.Index]; c != "" {
		fmt.Fprintf(w, "  librec-auto would run: %s\n", c)
	}
}

// pushed counts what an element just pushed left out, and prints, in
// text output, its summary and, for a whole study of several elements, why
// it was not recorded or failed. JSON output waits for the whole run.
func (r *runPrinter) pushed(o *study.Outcome) {
	if o.Summary != nil {
		r.env.leftOut += len(o.Summary.LeftOut) // for the run log's outcome line
	}
	if r.tf.output != "text" {
		return
	}
	if o.Summary != nil {
		printSummaries(r.env, r.tf, []*report.Summary{o.Summary})
	}
	if !r.whole || study.Active(r.elems) <= 1 {
		return
	}
	switch {
	case o.Status == study.Posted && o.Err != nil:
		fmt.Fprintf(r.env.Stdout, "  not recorded: %s\n", o.Err)
	case o.Status == study.Failed && !r.env.logOpts.Quiet:
		fmt.Fprintf(r.env.Stdout, "  failed: %s\n", r.env.Redactor.Redact([]byte(o.Err.Error())))
	}
}

// runReport is the JSON document of a run (--output json).
type runReport struct {
	Study    string          `json:"study"`
	Config   string          `json:"config"`
	DryRun   bool            `json:"dry_run,omitempty"`
	Elements []elementReport `json:"elements"`
	Totals   study.Totals    `json:"totals"`
}

type elementReport struct {
	Index      int             `json:"index"`
	Line       int             `json:"line,omitempty"`
	Option     string          `json:"option"`
	Path       string          `json:"path,omitempty"`
	Dest       string          `json:"dest,omitempty"`
	Target     string          `json:"target,omitempty"`
	Key        string          `json:"encrypted_key,omitempty"`
	Status     string          `json:"status"`
	Command    string          `json:"command,omitempty"`
	NotChecked string          `json:"dropbox_not_checked,omitempty"`
	Error      string          `json:"error,omitempty"`
	Summary    *report.Summary `json:"summary,omitempty"`
}

// finish prints the whole run: the JSON document, or for a whole study
// the overall line.
func (r *runPrinter) finish(o study.Options, res *study.Result) {
	t := res.Totals
	switch {
	case r.tf.output == "json":
		doc := runReport{Study: o.Study, Config: o.Config, DryRun: r.tf.dryRun, Totals: t}
		for _, out := range res.Outcomes {
			e := out.Element
			er := elementReport{Index: e.Index, Line: e.Line, Option: e.Option.String(), Path: e.Path, Key: e.KeyPath,
				Status: out.Status, Command: r.commands[e.Index], NotChecked: out.Unchecked, Summary: out.Summary}
			if e.Option != configschema.Skip {
				er.Dest, er.Target = cmp.Or(e.Dest, "/"), cmp.Or(e.Target, "/")
			}
			if out.Err != nil {
				er.Error = string(r.env.Redactor.Redact([]byte(out.Err.Error())))
			}
			doc.Elements = append(doc.Elements, er)
		}
		report.WriteJSON(r.env.Stdout, doc)
	case r.env.logOpts.Quiet:
	case r.whole && r.tf.dryRun:
		fmt.Fprintf(r.env.Stdout, "dry run: %d of %d elements planned (%d skipped, %d failed): would upload %d (%s), %d unchanged; nothing was sent\n",
			t.Posted, t.Elements, t.Skipped, t.Failed, t.Uploaded, report.Bytes(t.Bytes), t.Unchanged)
	case r.whole:
		line := fmt.Sprintf("run: %d of %d elements posted (%d skipped, %d failed", t.Posted, t.Elements, t.Skipped, t.Failed)
		if t.NotRun > 0 {
			line += fmt.Sprintf(", %d interrupted or not run", t.NotRun)
		}
		line += fmt.Sprintf("): %d uploaded (%s), %d unchanged, %d failed", t.Uploaded, report.Bytes(t.Bytes), t.Unchanged, t.FilesFailed)
		if t.Unconfirmed > 0 {
			line += fmt.Sprintf(", %d not confirmed (interrupted)", t.Unconfirmed)
		}
		fmt.Fprintln(r.env.Stdout, line)
	}
}

// commandLine is how librec-auto runs element e: the script, the config's
// bare file name, a --NAME=VALUE for each param, and the password hidden.
func commandLine(config string, e configschema.Element) string {
	args := []string{shellQuote(e.ScriptName), shellQuote(filepath.Base(config))}
	param := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name+"="+shellQuote(value))
		}
	}
	param("option", e.Option.String())
	param("encrypted_key", e.KeyPath)
	param("path", e.Path)
	param("dest", cmp.Or(e.Dest, "/"))
	if e.Share {
		param("share", "true")
	}
	for _, x := range e.Filter.Exclude {
		param("exclude", x)
	}
	for _, x := range e.Filter.Include {
		param("include", x)
	}
	if e.Filter.MaxSize > 0 {
		param("max_size", fmt.Sprint(e.Filter.MaxSize))
	}
	if e.Password != configschema.PasswordAbsent {
		args = append(args, "--password="+configschema.Secret("").String())
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it: in single quotes,
// or, when s holds a character that cannot be shown (a control character,
// an invisible one), in bash's $'…' with Go's escapes, so that the command
// line neither acts on a terminal nor hides what it runs.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	if strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) >= 0 || !utf8.ValidString(s) {
		q := strconv.QuoteToASCII(s)
		return "$'" + strings.ReplaceAll(q[1:len(q)-1], "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
