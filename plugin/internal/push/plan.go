package push

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

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
func makePlan(ctx context.Context, c *dbx.Client, o Options, tree *local.Tree, listed *listing) (*plan.Plan, *transfer.Early, error) {
	prog := o.Progress
	var early *transfer.Early
	if first := firstLarge(tree, o.Transfer.LargeFrom); !o.DryRun && o.Offline == "" && first != nil {
		// the first large file's session opens, and its first chunk is
		// read, while Dropbox is listed
		early = transfer.StartEarly(ctx, c, first)
	}
	if o.Offline != "" && !o.DryRun {
		return nil, nil, errors.New("push: Offline is only for dry runs")
	}
	// Only files that Dropbox holds at the same size need their hash to
	// decide; the others are hashed as they are sent. Those a listing page
	// shows are hashed while the next pages come.
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	hashed := &deferred{prog: prog}
	h := local.StartHashing(hctx, 0, len(tree.Files), func(f *local.File) { hashed.add(f.Size) })
	queued := make([]bool, len(tree.Files))
	held := map[string]remote.Entry{}
	var err error
	switch {
	case o.Offline != "":
	case tree.IsDir:
		prog.Phase(fmt.Sprintf("listing Dropbox %q", cmp.Or(o.Dest, "/")), progress.Entries, 0)
		if listed == nil {
			listed = startListing(ctx, c, o.Dest, nil, nil)
		}
		under := o.Dest + "/"
		seen := func(page []remote.Entry) {
			prog.Add(int64(len(page)))
			for _, e := range page {
				if i, ok := lookup(tree, under, e); ok && !queued[i] {
					queued[i] = true
					h.Add(tree.Files[i])
				}
			}
		}
		take := func() {
			prog.Add(listed.take(seen))
			held, err = listed.wait()
		}
		take()
		if err != nil && listed.unreached != nil && listed.unreached.Load() && ctx.Err() == nil {
			// The listing begun while the folder was scanned could not
			// reach Dropbox and failed quietly: now that the scan has
			// passed, it is done again in the open (its failures said,
			// waited out, retried).
			listed = startListing(ctx, c, o.Dest, nil, listed.parts)
			take()
		}
		if err == nil && !listed.covers(tree) {
			// The folder's sub-folders, read before the scan, were not
			// all it found: the whole of dest is listed, as without them.
			listed = startListing(ctx, c, o.Dest, nil, nil)
			take()
		}
	default: // one file: looked up, not listed
		prog.Phase(fmt.Sprintf("looking up %s on Dropbox", dpath.Quote(dpath.Join(o.Dest, tree.Files[0].Rel))), progress.None, 0)
		held, err = remote.ForTree(ctx, c.Files, tree, o.Dest)
	}
	if err != nil {
		stop()
		h.Wait()
		return nil, nil, err
	}
	var n int
	var size int64
	for i, f := range tree.Files {
		if !queued[i] && plan.MayHold(held, o.Dest, f) {
			queued[i] = true
			h.Add(f)
		}
		if queued[i] {
			n, size = n+1, size+f.Size
		}
	}
	if n > 0 {
		hashed.show(func() {
			prog.Phase(fmt.Sprintf("hashing %s Dropbox may hold", report.Files(n)), progress.ByteCount, size)
		})
	}
	if err := h.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, nil, dbx.Explain(ctx.Err(), "pushing "+strconv.Quote(o.Local))
		}
		return nil, nil, exit.Wrap(exit.Local, err, err.Error(), "")
	}
	p := plan.Make(tree, o.Dest, held, o.Mode)
	o.Log.Debug("planned", "upload", p.Count(plan.Upload), "unchanged", p.Count(plan.Unchanged), "bytes", p.Bytes(plan.Upload))
	return p, early, nil
}

// lookup returns the index in tree of the file Dropbox lists as e, if it is
// a file of the same size (whose hash then decides); under is the
// destination folder's path and "/". The tree's files are sorted by path,
// and looked up by the path Dropbox displays: a file whose path Dropbox
// displays in another case is not found here (plan.MayHold finds it once
// the listing is whole).
func lookup(tree *local.Tree, under string, e remote.Entry) (int, bool) {
	rel, ok := strings.CutPrefix(e.Path, under)
	if e.Folder || !ok {
		return 0, false
	}
	i, ok := slices.BinarySearchFunc(tree.Files, rel, func(f *local.File, rel string) int { return strings.Compare(f.Rel, rel) })
	return i, ok && tree.Files[i].Size == e.Size
}

// deferred counts for a progress phase that may not be shown yet: what
// is counted before show is added when it is.
type deferred struct {
	prog    *progress.Meter
	mu      sync.Mutex
	shown   bool
	pending int64
}

func (d *deferred) add(n int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shown {
		d.prog.Add(n)
	} else {
		d.pending += n
	}
}

// show starts the phase (phase shows it) and adds what was counted so far.
func (d *deferred) show(phase func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	phase()
	d.prog.Add(d.pending)
	d.shown, d.pending = true, 0
}

// firstLarge returns the first file of tree that goes in chunks (the
// first sent, if it is sent), or nil.
func firstLarge(tree *local.Tree, from int64) *local.File {
	if from <= 0 {
		from = transfer.DefaultLargeFrom
	}
	for _, f := range tree.Files {
		if f.Size >= from {
			return f
		}
	}
	return nil
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
