// Package push posts a local file or folder to a Dropbox folder, sending
// only what changed. Run tells the story in steps, each in a file of its
// own: scan the local side (scan.go), plan against what Dropbox holds,
// hashing only what decides (plan.go), upload and commit what the plan
// says and tally the results (upload.go), verify and share when asked
// (after.go), and record a manifest (record.go).
package push

import (
	"context"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
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

// Run pushes and returns what it did: it scans the local side, plans
// against what Dropbox holds, uploads what the plan says, checks and
// shares what was posted when asked, and records it in a manifest. The
// error is for what stopped the whole push (bad input, the credential
// refused, interrupted); files that failed one by one are in the summary,
// and Summary.OK is false.
func Run(ctx context.Context, c *dbx.Client, o Options) (*report.Summary, error) {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	started := time.Now()
	abs, err := filepath.Abs(o.Local)
	if err != nil {
		return nil, err
	}
	gc := &gcTight{}
	defer gc.undo()
	listed := listEarly(ctx, c, o, abs, gc)
	tree, err := scanLocal(o, abs)
	if err != nil {
		listed.drop()
		return nil, err
	}
	if !tree.IsDir {
		listed.drop() // one file is looked up, not listed
		listed = nil
	}
	gc.count(int64(len(tree.Files)))
	defer tree.Close() // files are read through the folder the scan holds open

	if !tree.IsDir && len(tree.Files) == 0 { // the one file was left out by the filters, or its name refused
		sum := &report.Summary{Local: o.Local, Dest: o.Dest, DryRun: o.DryRun, Filtered: tree.Filtered}
		refused(sum, tree, o.Dest)
		return sum, nil
	}

	space := askSpace(ctx, c, o, tree)
	p, early, err := makePlan(ctx, c, o, tree, listed)
	if err != nil {
		return nil, err
	}
	sum := &report.Summary{Local: o.Local, Dest: o.Dest, DryRun: o.DryRun, Filtered: tree.Filtered}
	for _, n := range tree.Skipped {
		sum.LeftOut = append(sum.LeftOut, report.Note{Local: n.Rel, Reason: n.Reason})
	}
	if o.DryRun {
		dryRun(sum, p, o.Offline)
		refused(sum, tree, o.Dest)
		return sum, nil
	}
	if err := checkSpace(ctx, space, p, o.Log); err != nil {
		return nil, err
	}

	results, stats, upErr := upload(ctx, c, o, p, early)
	if dbx.HasTag(upErr, "insufficient_space") {
		upErr = fullAtCommit(ctx, c, results, upErr)
	}
	m := newManifest(o, abs, tree.IsDir, started)
	tally(ctx, p, results, sum, m, o.Manifests != nil)
	refused(sum, tree, o.Dest)
	sum.Skipped += len(tree.Skipped)
	var afterErr error
	if upErr == nil {
		afterErr = after(ctx, c, o, tree, sum, m)
	}
	sum.Retries, sum.Commits = c.Retries.Total(), stats.Commits
	m.Finished = time.Now().UTC()
	sum.Seconds = time.Since(started).Seconds()
	manifestErr := record(o, sum, m)
	o.Progress.End()
	return sum, outcome(o, upErr, afterErr, manifestErr)
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
