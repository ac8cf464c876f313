package study

import (
	"context"
	"path/filepath"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
)

// pushOne posts one element, or in a dry run plans it, with client, or
// without one (unchecked says why) from the local files alone, and tells
// Pushed.
func (p *poster) pushOne(ctx context.Context, out *Outcome, client *dbx.Client, unchecked string) {
	e := out.Element
	if e.Option == configschema.Skip {
		out.Status = Skipped
		return
	}
	f, err := filter.New(p.o.Filter, e.Filter)
	if err != nil {
		out.Status, out.Err = Failed, exit.New(exit.Usage, err.Error(), "")
		return
	}
	study, _ := filepath.Abs(p.o.Study)
	opts := p.o.Push
	opts.Local, opts.Dest, opts.Filter = e.Local, e.Dest, f
	opts.Study, opts.Element, opts.Name = study, e.Index, e.Name
	opts.Share = opts.Share || e.Share
	opts.Progress, opts.Log = p.o.Progress, p.o.Log.With("element", e.Index)
	if client != nil && p.o.Resume != nil {
		opts.Transfer.Resume = p.o.Resume()
	}
	if client == nil { // a dry run without a credential
		out.Unchecked, opts.Offline = unchecked, unchecked
	}
	out.Summary, out.Err = push.Run(ctx, client, opts)
	if out.Summary != nil {
		out.Summary.Local = e.Path
		if out.Err == nil {
			out.Err = push.Failures(out.Summary.Failed, opts.DryRun)
		}
	}
	err = out.Err
	switch {
	case err != nil && push.Unrecorded(err):
		out.Status = Posted // but not recorded: Err says so
	case err != nil && exit.CodeOf(err) == exit.Interrupted:
		out.Status = Interrupted
	case err != nil:
		out.Status = Failed
	case opts.DryRun:
		out.Status = Planned
	default:
		out.Status = Posted
	}
	if p.o.Pushed != nil {
		p.o.Pushed(out)
	}
}
