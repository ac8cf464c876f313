package study

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Totals add up a run.
type Totals struct {
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

// totals adds up outs.
func totals(outs []*Outcome) Totals {
	t := Totals{Elements: len(outs)}
	for _, o := range outs {
		switch o.Status {
		case Skipped:
			t.Skipped++
		case Interrupted, NotRun:
			t.NotRun++
		case Failed:
			t.Failed++
		default:
			t.Posted++
		}
		if s := o.Summary; s != nil {
			t.Uploaded, t.Unchanged, t.FilesFailed, t.Bytes = t.Uploaded+s.Uploaded, t.Unchanged+s.Unchanged, t.FilesFailed+s.Failed, t.Bytes+s.Bytes
			t.Unconfirmed += s.Unconfirmed
		}
	}
	return t
}

// failure returns the error of the whole run: an interruption, the error
// of the one element posted, or how many elements failed.
func (p *poster) failure(ctx context.Context, outs []*Outcome) error {
	var failed, unrecorded, notRun []*Outcome
	var interrupted error
	for _, o := range outs {
		switch {
		case o.Status == NotRun && o.Element.Option != configschema.Skip:
			notRun = append(notRun, o)
		case o.Status == Interrupted:
			interrupted = o.Err
		case o.Status == Failed:
			failed = append(failed, o)
		case o.Err != nil && (o.Status == Posted || o.Status == Planned): // posted, but its manifest was not written
			unrecorded = append(unrecorded, o)
		}
	}
	if ctx.Err() != nil {
		if interrupted != nil {
			return interrupted
		}
		return exit.Wrap(exit.Interrupted, ctx.Err(), "interrupted", "run the same command again to finish; only what is missing is sent")
	}
	if last := len(failed) - 1; last >= 0 && len(notRun) > 0 && exit.CodeOf(failed[last].Err) == exit.Unreachable {
		return unreachable(failed[last], notRun)
	}
	switch {
	case len(failed) == 0 && len(unrecorded) == 0:
		return nil
	case len(failed) == 0:
		return unrecorded[0].Err // the same manifest folder for every element
	case Active(p.elems) == 1:
		return failed[0].Err
	}
	var which []string
	for _, o := range failed {
		which = append(which, fmt.Sprintf("%d (line %d)", o.Element.Index, o.Element.Line))
	}
	return exit.Wrap(exit.CodeOf(failed[0].Err), failed[0].Err,
		fmt.Sprintf("%d of %d elements failed: element %s", len(failed), Active(p.elems), strings.Join(which, ", ")),
		"see the report above for why; run again to retry them (only what is missing is sent)")
}

// unreachable is the error of a run that gave up on Dropbox at element
// down: its reason, and the elements not run after it.
func unreachable(down *Outcome, notRun []*Outcome) error {
	what, fix := down.Err.Error(), ""
	var e *exit.Error
	if errors.As(down.Err, &e) {
		what, fix = e.What, e.Fix
	}
	which := make([]string, len(notRun))
	for i, o := range notRun {
		which[i] = fmt.Sprintf("%d (line %d)", o.Element.Index, o.Element.Line)
	}
	were := "element " + which[0] + " was"
	if len(which) > 1 {
		were = "elements " + strings.Join(which, ", ") + " were"
	}
	return exit.Wrap(exit.Unreachable, down.Err,
		fmt.Sprintf("element %d (line %d): %s; so %s not run", down.Element.Index, down.Element.Line, what, were), fix)
}
