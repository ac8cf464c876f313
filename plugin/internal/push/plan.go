package push

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// makePlan decides what to do with each file of tree: it lists what
// Dropbox holds at o.Dest (nothing is asked in an offline dry run), hashes
// the files whose hash decides, and plans. When a large file is to be
// sent, its upload session opens while Dropbox is listed (early).
func makePlan(ctx context.Context, c *dbx.Client, o Options, tree *local.Tree) (*plan.Plan, *transfer.Early, error) {
	prog := o.Progress
	var early *transfer.Early
	if !o.DryRun && o.Offline == "" && hasLarge(tree, o.Transfer.LargeFrom) {
		// the first large file's session opens while Dropbox is listed
		early = transfer.StartEarly(ctx, c)
	}
	held := map[string]remote.Entry{}
	switch {
	case o.Offline != "" && !o.DryRun:
		return nil, nil, errors.New("push: Offline is only for dry runs")
	case o.Offline == "":
		if tree.IsDir {
			prog.Phase(fmt.Sprintf("listing Dropbox %q", cmp.Or(o.Dest, "/")), progress.Entries, 0)
		} else { // one file: looked up, not listed (remote.ForTreeSeen)
			prog.Phase(fmt.Sprintf("looking up %s on Dropbox", dpath.Quote(dpath.Join(o.Dest, tree.Files[0].Rel))), progress.None, 0)
		}
		var err error
		if held, err = remote.ForTreeSeen(ctx, c.Files, tree, o.Dest, func(n int) { prog.Add(int64(n)) }); err != nil {
			return nil, nil, err
		}
	}
	// Only files that Dropbox holds at the same size need their hash to
	// decide; the others are hashed as they are sent.
	need := plan.NeedHash(tree, o.Dest, held)
	var size int64
	for _, f := range need {
		size += f.Size
	}
	if len(need) > 0 {
		prog.Phase(fmt.Sprintf("hashing %s Dropbox may hold", report.Files(len(need))), progress.ByteCount, size)
	}
	if err := local.HashAll(ctx, need, 0, func(f *local.File) { prog.Add(f.Size) }); err != nil {
		if ctx.Err() != nil {
			return nil, nil, dbx.Explain(ctx.Err(), "pushing "+strconv.Quote(o.Local))
		}
		return nil, nil, exit.Wrap(exit.Local, err, err.Error(), "")
	}
	p := plan.Make(tree, o.Dest, held, o.Mode)
	o.Log.Debug("planned", "upload", p.Count(plan.Upload), "unchanged", p.Count(plan.Unchanged), "bytes", p.Bytes(plan.Upload))
	return p, early, nil
}

// hasLarge reports whether tree holds a file that goes in chunks.
func hasLarge(tree *local.Tree, from int64) bool {
	if from <= 0 {
		from = transfer.DefaultLargeFrom
	}
	for _, f := range tree.Files {
		if f.Size >= from {
			return true
		}
	}
	return false
}

// dryRun puts in sum what the plan would do.
func dryRun(sum *report.Summary, p *plan.Plan, offline string) {
	for _, it := range p.Items {
		f := fileOf(it)
		if offline != "" {
			f.Reason = "Dropbox not checked: " + offline
		}
		switch it.Action {
		case plan.Upload:
			f.Status = "would upload"
			sum.Uploaded++
			sum.Bytes += it.File.Size
		case plan.Unchanged:
			f.Status = "unchanged"
			sum.Unchanged++
		case plan.Kept:
			f.Status = "kept"
			sum.Skipped++
		default:
			f.Status = "conflict"
			sum.Failed++
		}
		sum.Planned = append(sum.Planned, f)
	}
	for _, d := range p.Folders {
		sum.Planned = append(sum.Planned, report.File{Dropbox: d, Status: "would create", Reason: "empty folder"})
	}
}
