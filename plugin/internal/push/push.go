// Package push posts a local file or folder to a Dropbox folder, sending
// only what changed: it scans and hashes the local side while it lists the
// remote side, makes a plan, runs the transfer, and records a manifest.
package push

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/share"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
	"github.com/librec-auto/dropbox-post/plugin/internal/verify"
)

// Options says what to push where, and how.
type Options struct {
	Local  string // a file or a folder
	Dest   string // a cleaned Dropbox folder path ("" is the root)
	Mode   plan.IfExists
	DryRun bool
	// Offline, in a dry run without a credential, says why Dropbox was not
	// asked: the plan is made against an empty Dropbox (every file would be
	// uploaded, as far as can be told here), and each entry says so.
	Offline string
	// Verify compares, after the upload, every local file with what
	// Dropbox holds (a fresh listing, against the hashes of what was
	// sent); a difference fails the push with exit.Mismatch.
	Verify bool
	// Share makes (or reuses) a shared link for what was posted: the
	// folder DEST, or DEST/<name> for a single file.
	Share bool
	// Filter leaves files out (--exclude, --include, --max-size, and an
	// element's params); nil posts everything. It is recorded in the
	// manifest.
	Filter   *filter.Filter
	Transfer transfer.Options // parallelism etc.; Mode and Observer are set by Run
	// Manifests is the folder the manifest goes in; nil writes none.
	Manifests *statedir.Folder
	// Allowed are the folders outside the study (or LOCAL) that symbolic
	// links inside LOCAL may lead into (DROPBOX_POST_ALLOW_OUTSIDE).
	Allowed []string
	// Name, when not "", is the name a single file is posted under: the
	// name of the link a config's path gave (local.Options.Name).
	Name string
	// Study is recorded in the manifest; a Local inside it is reached
	// from it through os.Root (local.Options.Study), and links inside it
	// may lead anywhere in it.
	Study   string
	Element int    // recorded in the manifest
	Tool    string // "dropbox-post <version>", recorded in the manifest
	// Progress, if not nil, is told each phase as it starts (scanning,
	// listing Dropbox, hashing, uploading, verifying, sharing) and hears
	// the transfer's acknowledged bytes and files.
	Progress *progress.Meter
	Log      hclog.Logger
}

// Run pushes and returns what it did. The error is for what stopped the
// whole push (bad input, the credential refused, interrupted); files that
// failed one by one are in the summary, and Summary.OK is false.
func Run(ctx context.Context, c *dbx.Client, o Options) (*report.Summary, error) {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	started := time.Now()
	abs, err := filepath.Abs(o.Local)
	if err != nil {
		return nil, err
	}
	prog := o.Progress
	prog.Phase(fmt.Sprintf("scanning %q", o.Local), progress.None, 0)
	tree, err := scan(o, abs)
	if err != nil {
		return nil, local.Explain(err, o.Local)
	}
	defer tree.Close() // files are read through the folder the scan holds open
	if len(tree.Invalid) > 0 {
		return nil, invalidNames(tree.Invalid)
	}
	warnLookalikes(o.Log, tree)
	if !tree.IsDir && len(tree.Files) == 0 { // the one file was left out by the filters
		return &report.Summary{Local: o.Local, Dest: o.Dest, DryRun: o.DryRun, Filtered: tree.Filtered}, nil
	}

	var early *transfer.Early
	if !o.DryRun && o.Offline == "" && hasLarge(tree, o.Transfer.LargeFrom) {
		// the first large file's session opens while Dropbox is listed
		early = transfer.StartEarly(ctx, c)
	}
	held := map[string]remote.Entry{}
	switch {
	case o.Offline != "" && !o.DryRun:
		return nil, errors.New("push: Offline is only for dry runs")
	case o.Offline == "":
		if tree.IsDir {
			prog.Phase(fmt.Sprintf("listing Dropbox %q", cmp.Or(o.Dest, "/")), progress.Entries, 0)
		} else { // one file: looked up, not listed (remote.ForTreeSeen)
			prog.Phase(fmt.Sprintf("looking up %s on Dropbox", dpath.Quote(dpath.Join(o.Dest, tree.Files[0].Rel))), progress.None, 0)
		}
		if held, err = remote.ForTreeSeen(ctx, c.Files, tree, o.Dest, func(n int) { prog.Add(int64(n)) }); err != nil {
			return nil, err
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
			return nil, dbx.Explain(ctx.Err(), "pushing "+strconv.Quote(o.Local))
		}
		return nil, exit.Wrap(exit.Local, err, err.Error(), "")
	}
	p := plan.Make(tree, o.Dest, held, o.Mode)
	o.Log.Debug("planned", "upload", p.Count(plan.Upload), "unchanged", p.Count(plan.Unchanged), "bytes", p.Bytes(plan.Upload))

	sum := &report.Summary{Local: o.Local, Dest: o.Dest, DryRun: o.DryRun, Filtered: tree.Filtered}
	for _, n := range tree.Skipped {
		sum.LeftOut = append(sum.LeftOut, report.Note{Local: n.Rel, Reason: n.Reason})
	}
	if o.DryRun {
		dryRun(sum, p, o.Offline)
		return sum, nil
	}

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
	results, stats, upErr := transfer.Upload(ctx, c, p, to)
	prog.End()
	m := &manifest.Manifest{Version: manifest.Version, Tool: o.Tool, Started: started.UTC(), Local: abs, Dest: o.Dest, Study: o.Study, Element: o.Element,
		Kind: "file", Filters: o.Filter.Specs()}
	if tree.IsDir {
		m.Kind = "folder"
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
		m.Files = append(m.Files, f)
	}
	sum.Skipped += len(tree.Skipped)
	var afterErr error
	if upErr == nil && o.Verify {
		prog.Phase(fmt.Sprintf("verifying %q against Dropbox", o.Local), progress.None, 0)
		afterErr = check(ctx, c, tree, o.Dest, sum)
	}
	if upErr == nil && afterErr == nil && o.Share {
		target := o.Dest
		if !tree.IsDir {
			target = dpath.Join(o.Dest, tree.Files[0].Rel)
		}
		prog.Phase(fmt.Sprintf("sharing %q", target), progress.None, 0)
		sum.Link, afterErr = share.Link(ctx, c.Sharing, target)
		m.Link = sum.Link
	}
	sum.Retries, sum.Commits = c.Retries.Total(), stats.Commits
	m.Finished = time.Now().UTC()
	sum.Seconds = time.Since(started).Seconds()
	var manifestErr error
	// A manifest only when something was posted, or when what is on
	// Dropbox is not yet recorded (an earlier manifest failed, or none
	// was asked for then).
	if o.Manifests != nil && (sum.Uploaded > 0 || sum.Unchanged > 0 && !manifest.Recorded(o.Manifests, m)) {
		sum.Manifest, manifestErr = manifest.Write(o.Manifests, m)
		if manifestErr != nil {
			manifestErr = unrecorded(manifestErr, o.Manifests.Path())
			sum.ManifestError = manifestErr.Error()
		}
	}
	prog.End()
	switch {
	case upErr != nil:
		if manifestErr != nil {
			o.Log.Warn(manifestErr.Error())
		}
		return sum, dbx.Explain(upErr, "pushing "+strconv.Quote(o.Local))
	case afterErr != nil:
		if manifestErr != nil {
			o.Log.Warn(manifestErr.Error())
		}
		return sum, afterErr
	}
	return sum, manifestErr
}

// Failures returns the error of a push whose summary counts failed files
// (nil for none): in a dry run, they would conflict.
func Failures(failed int, dryRun bool) error {
	switch {
	case failed == 0:
		return nil
	case dryRun:
		return exit.New(exit.Failure, report.Files(failed)+" would conflict", "see the list above")
	}
	return exit.New(exit.Failure, report.Files(failed)+" failed", "see the list above for why; what failed for a passing reason is sent by running again (only what is missing is sent)")
}

// Unrecorded reports whether err says that a push posted its files but
// could not write their manifest: the files are on Dropbox, their record
// is not.
func Unrecorded(err error) bool {
	var u *unrecordedError
	return errors.As(err, &u)
}

type unrecordedError struct{ err *exit.Error }

func (e *unrecordedError) Error() string { return e.err.Error() }
func (e *unrecordedError) Unwrap() error { return e.err }

// unrecorded turns the failure to write a manifest into dir into an error
// (exit.Local) that says what it means and how to fix it. An unattended run
// must not lose its provenance with nothing but a warning.
func unrecorded(err error, dir string) error {
	why := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		why = pe.Err.Error()
	}
	return &unrecordedError{exit.Wrap(exit.Local, err,
		fmt.Sprintf("the files are on Dropbox, but their record is not: the manifest could not be written in %q (%s)", dir, why),
		"make that folder writable, or give --manifest-dir a writable folder, and run again (what is on Dropbox is not sent again, and the manifest is written); --no-manifest posts without one")}
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

// check compares, after an upload, the local files with a fresh listing
// of Dropbox, using the hashes computed while planning and sending, and
// records the outcome in sum.
func check(ctx context.Context, c *dbx.Client, tree *local.Tree, dest string, sum *report.Summary) error {
	held, err := remote.ForTree(ctx, c.Files, tree, dest)
	if err != nil {
		return err
	}
	res := verify.CompareTree(tree, dest, held)
	ok := res.Complete()
	sum.Verified = &ok
	for _, group := range []struct {
		status  string
		entries []verify.Entry
	}{{"missing", res.Missing}, {"different", res.Different}} {
		for _, e := range group.entries {
			sum.Mismatches = append(sum.Mismatches, report.File{Local: e.Path, Dropbox: e.Dropbox, Size: e.LocalSize, Status: group.status, Reason: e.Reason})
		}
	}
	if !ok {
		return exit.New(exit.Mismatch, fmt.Sprintf("after the push, Dropbox does not hold %d of the local files as they are here (%s)", len(sum.Mismatches), res.Summary()),
			"see the list above; run the push again, and check that nothing else writes to that folder")
	}
	return nil
}

func fileOf(it *plan.Item) report.File {
	return report.File{Local: it.File.Rel, Dropbox: it.Dest, Size: it.File.Size, Hash: it.File.Hash, Reason: it.Reason}
}

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

// unconfirmed reports whether a file that was to be sent, and is not
// known to be committed, was stopped by an interruption rather than by a
// failure of its own: it was not sent yet (no error), or its request was
// cancelled.
func unconfirmed(ctx context.Context, err error) bool {
	return err == nil || errors.Is(err, context.Canceled) || ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded)
}

// explain turns a per-file error into one line for the user.
func explain(err error, it *plan.Item) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return "the local file vanished since the scan: run again (a file that is gone is then no longer posted)"
	}
	return strings.TrimPrefix(dbx.Explain(err, "").Error(), ": ")
}

// invalidNames reports, before anything is sent, the names Dropbox cannot
// store.
func invalidNames(notes []local.Note) error {
	list := make([]report.Note, len(notes))
	for i, n := range notes {
		list[i] = report.Note{Local: n.Rel, Reason: n.Reason}
	}
	return exit.New(exit.Local, fmt.Sprintf("%d local name(s) cannot be stored on Dropbox (%s)", len(notes), report.Brief(list)),
		"rename them; nothing was sent")
}

// warnLookalikes warns about local names holding characters that cannot be
// seen or pass for others (dpath.Lookalikes): they are posted as they are,
// but a reader of the Dropbox folder may take them for other names. At most
// ten are named; then how many more.
func warnLookalikes(log hclog.Logger, tree *local.Tree) {
	const most = 10
	n := 0
	for _, f := range tree.Files {
		odd := dpath.Lookalikes(f.Rel)
		if len(odd) == 0 {
			continue
		}
		if n++; n <= most {
			log.Warn(fmt.Sprintf("local name %q holds %s, invisible or easily mistaken for another character; it is posted as it is", f.Rel, strings.Join(odd, ", ")))
		}
	}
	if n > most {
		log.Warn(fmt.Sprintf("and %d more local names like that", n-most))
	}
}

// scan scans o.Local (abs): for run (o.Study set), reached from the study
// or the allowed folder it lies in, so that a symbolic link swapped into the
// path between the config's check and now cannot lead outside it; for push,
// on its own (LOCAL is what the person named, followed if it is a link).
func scan(o Options, abs string) (*local.Tree, error) {
	return local.ScanWith(abs, local.Options{Filter: o.Filter, Study: o.Study, Allowed: o.Allowed, Name: o.Name})
}
