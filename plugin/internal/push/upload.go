package push

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// upload sends and commits what the plan says (transfer.Upload), showing
// its progress, with early the session already opened for a large file.
func upload(ctx context.Context, c *dbx.Client, o Options, p *plan.Plan, early *transfer.Early) ([]transfer.Result, transfer.Stats, error) {
	prog := o.Progress
	to := o.Transfer
	to.Mode, to.Log, to.Early = o.Mode, o.Log, early
	if prog != nil {
		if n := p.Count(plan.Upload); n > 0 {
			prog.Transfer("uploading", n, p.Bytes(plan.Upload))
		} else {
			prog.End() // nothing to send: no transfer to show
		}
		to.Observer = prog
	}
	results, stats, err := transfer.Upload(ctx, c, p, to)
	prog.End()
	return results, stats, err
}

// tally puts in sum, and in the manifest m if one is to be written
// (record), what became of each file of the plan: uploaded (committed),
// unconfirmed (interrupted), failed, unchanged or kept. The results come
// in the plan's order.
func tally(ctx context.Context, p *plan.Plan, results []transfer.Result, sum *report.Summary, m *manifest.Manifest, record bool) {
	if record {
		m.Files = make([]report.File, 0, len(p.Items))
	}
	for _, it := range p.Items {
		f := fileOf(it)
		var r transfer.Result // the results come in p.Items' order
		sent := len(results) > 0 && results[0].Item == it
		if sent {
			r, results = results[0], results[1:]
		}
		if r.Resume != "" {
			sum.Resumed = append(sum.Resumed, report.Note{Local: it.File.Rel, Reason: r.Resume})
		}
		switch {
		case sent && r.Err == nil && r.Committed:
			f.Status, f.Rev = "uploaded", r.Rev
			sum.Uploaded++
			sum.Bytes += it.File.Size
		case sent && unconfirmed(ctx, r.Err):
			f.Status, f.Reason = "unconfirmed", "interrupted before Dropbox confirmed it (it may be there); run again to finish"
			sum.Unconfirmed++
			sum.Interrupted = append(sum.Interrupted, f)
		case sent:
			f.Status, f.Error = "failed", explain(r.Err, it)
			sum.Failed++
			sum.Failures = append(sum.Failures, f)
		case it.Action == plan.Unchanged:
			f.Status, f.Rev = "unchanged", it.Remote.Rev
			sum.Unchanged++
		case it.Action == plan.Kept:
			f.Status = "kept"
			sum.Skipped++
		default: // conflict
			f.Status, f.Error = "failed", it.Reason
			sum.Failed++
			sum.Failures = append(sum.Failures, f)
		}
		if record {
			m.Files = append(m.Files, f)
		}
	}
}

// fileOf is the record of a planned file.
func fileOf(it *plan.Item) report.File {
	return report.File{Local: it.File.Rel, Dropbox: it.Dest, Size: it.File.Size, Hash: it.File.Hash, Reason: it.Reason}
}

// unconfirmed reports whether a file that was to be sent, and is not
// known to be committed, was stopped by an interruption rather than by a
// failure of its own: it was not sent yet (no error, or its turn never
// came before the interruption), or its request was cancelled.
func unconfirmed(ctx context.Context, err error) bool {
	return err == nil || errors.Is(err, context.Canceled) ||
		ctx.Err() != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, transfer.ErrNotSent))
}

// explain turns a per-file error into one line for the user.
func explain(err error, it *plan.Item) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return "the local file vanished since the scan: run again (a file that is gone is then no longer posted)"
	}
	return strings.TrimPrefix(dbx.Explain(err, "").Error(), ": ")
}
