package cli

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// writeHeading prints, in text output, which element comes (for a whole
// study) and, in a dry run, the command librec-auto would run for it.
func (p *poster) writeHeading(o *outcome) {
	if p.tf.output != "text" || p.env.logOpts.Quiet {
		return
	}
	w := p.env.Stdout
	switch {
	case p.whole:
		fmt.Fprintln(w, o.elem.String())
	case o.elem.Option == configschema.Skip:
		fmt.Fprintln(w, "skipped: --option=No")
	}
	if o.command != "" {
		fmt.Fprintf(w, "  librec-auto would run: %s\n", o.command)
	}
}

// runTotals adds up a run.
type runTotals struct {
	Elements    int   `json:"elements"`
	Posted      int   `json:"posted"` // planned, in a dry run
	Skipped     int   `json:"skipped"`
	Failed      int   `json:"failed"`
	NotRun      int   `json:"not_run,omitempty"`
	Uploaded    int   `json:"uploaded"` // would be, in a dry run
	Unchanged   int   `json:"unchanged"`
	FilesFailed int   `json:"files_failed"`
	Unconfirmed int   `json:"unconfirmed,omitempty"` // files an interruption left unconfirmed
	Bytes       int64 `json:"bytes"`
}

// runReport is the JSON document of a run (--output json).
type runReport struct {
	Study    string          `json:"study"`
	Config   string          `json:"config"`
	DryRun   bool            `json:"dry_run,omitempty"`
	Elements []elementReport `json:"elements"`
	Totals   runTotals       `json:"totals"`
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

// finish reports the whole run and returns its error: an interruption, the
// error of the one element posted, or how many elements failed.
func (p *poster) finish(ctx context.Context, outs []*outcome) error {
	t := runTotals{Elements: len(outs)}
	doc := runReport{Study: p.study, Config: p.config, DryRun: p.tf.dryRun}
	var failed, unrecorded []*outcome
	var interrupted error
	for _, o := range outs {
		switch o.status {
		case "skipped":
			t.Skipped++
		case "interrupted":
			t.NotRun++
			interrupted = o.err
		case "failed":
			t.Failed++
			failed = append(failed, o)
		case "not run":
			t.NotRun++
		default:
			t.Posted++
			if o.err != nil { // posted, but its manifest was not written
				unrecorded = append(unrecorded, o)
			}
		}
		if s := o.sum; s != nil {
			t.Uploaded, t.Unchanged, t.FilesFailed, t.Bytes = t.Uploaded+s.Uploaded, t.Unchanged+s.Unchanged, t.FilesFailed+s.Failed, t.Bytes+s.Bytes
			t.Unconfirmed += s.Unconfirmed
		}
		e := o.elem
		r := elementReport{Index: e.Index, Line: e.Line, Option: e.Option.String(), Path: e.Path, Key: e.KeyPath,
			Status: o.status, Command: o.command, NotChecked: o.unchecked, Summary: o.sum}
		if e.Option != configschema.Skip {
			r.Dest, r.Target = cmp.Or(e.Dest, "/"), cmp.Or(e.Target, "/")
		}
		if o.err != nil {
			r.Error = string(p.env.Redactor.Redact([]byte(o.err.Error())))
		}
		doc.Elements = append(doc.Elements, r)
	}
	doc.Totals = t
	switch {
	case p.tf.output == "json":
		report.WriteJSON(p.env.Stdout, doc)
	case p.env.logOpts.Quiet:
	case p.whole && p.tf.dryRun:
		fmt.Fprintf(p.env.Stdout, "dry run: %d of %d elements planned (%d skipped, %d failed): would upload %d (%s), %d unchanged; nothing was sent\n",
			t.Posted, t.Elements, t.Skipped, t.Failed, t.Uploaded, report.Bytes(t.Bytes), t.Unchanged)
	case p.whole:
		line := fmt.Sprintf("run: %d of %d elements posted (%d skipped, %d failed", t.Posted, t.Elements, t.Skipped, t.Failed)
		if t.NotRun > 0 {
			line += fmt.Sprintf(", %d interrupted or not run", t.NotRun)
		}
		line += fmt.Sprintf("): %d uploaded (%s), %d unchanged, %d failed", t.Uploaded, report.Bytes(t.Bytes), t.Unchanged, t.FilesFailed)
		if t.Unconfirmed > 0 {
			line += fmt.Sprintf(", %d not confirmed (interrupted)", t.Unconfirmed)
		}
		fmt.Fprintln(p.env.Stdout, line)
	}

	if ctx.Err() != nil {
		if interrupted != nil {
			return interrupted
		}
		return exit.Wrap(exit.Interrupted, ctx.Err(), "interrupted", "run the same command again to finish; only what is missing is sent")
	}
	switch {
	case len(failed) == 0 && len(unrecorded) == 0:
		return nil
	case len(failed) == 0:
		return unrecorded[0].err // the same manifest folder for every element
	case p.active() == 1:
		return failed[0].err
	}
	var which []string
	for _, o := range failed {
		which = append(which, fmt.Sprintf("%d (line %d)", o.elem.Index, o.elem.Line))
	}
	return exit.Wrap(exit.CodeOf(failed[0].err), failed[0].err,
		fmt.Sprintf("%d of %d elements failed: element %s", len(failed), p.active(), strings.Join(which, ", ")),
		"see the report above for why; run again to retry them (only what is missing is sent)")
}
