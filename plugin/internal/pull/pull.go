// Package pull downloads a Dropbox file or folder into a local folder (a
// shared data set, results from another machine): the way back of push,
// with the same folder semantics. Only what differs is downloaded; every
// file is checked against its Dropbox content hash while it is written,
// and is put in place atomically, so that the local folder never holds a
// half-written file.
package pull

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// Options says what to pull where, and how. The zero values of the tuning
// fields pick the defaults of package transfer.
type Options struct {
	Remote    string // a cleaned Dropbox path, file or folder ("" is the root)
	Local     string // a local folder; created if missing
	Overwrite bool   // replace local files that differ (else they are kept)
	DryRun    bool   // say what would happen; write nothing

	Parallel      int   // files downloaded at once
	RangeParallel int   // ranges of one large file downloaded at once
	LargeFrom     int64 // files this size and up are downloaded in parallel ranges
	Rounds        int   // attempts per file

	// Progress, if not nil, is told each phase as it starts (listing
	// Dropbox, comparing with the local files, downloading) and hears the
	// bytes and files received.
	Progress *progress.Meter
	Log      hclog.Logger

	create createFile // tests: make local writes fail
}

func (o *Options) defaults() {
	if o.Parallel <= 0 {
		o.Parallel = transfer.DefaultParallel
	}
	if o.RangeParallel <= 0 {
		o.RangeParallel = transfer.DefaultChunkParallel
	}
	if o.LargeFrom <= 0 {
		o.LargeFrom = transfer.DefaultLargeFrom
	}
	if o.Rounds <= 0 {
		o.Rounds = transfer.DefaultRounds
	}
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	if o.create == nil {
		o.create = createOS
	}
}

// Run pulls and returns what it did. A remote file lands at
// Local/<name>; a remote folder's contents land directly in Local,
// sub-folders kept, and its empty folders are made too. Local files with
// the same content are skipped; local files that differ are kept and
// listed in the summary, or replaced with Overwrite. Files only in Local
// are left alone. The error is for what stopped the whole pull (bad input,
// the credential refused, a local write failed, interrupted); files that
// failed one by one are in the summary.
func Run(ctx context.Context, c *dbx.Client, o Options) (*report.PullSummary, error) {
	o.defaults()
	started := time.Now()
	dir, err := filepath.Abs(o.Local)
	if err != nil {
		return nil, err
	}
	switch fi, err := os.Stat(dir); {
	case err == nil && !fi.IsDir():
		return nil, exit.New(exit.Usage, fmt.Sprintf("%q is a file; LOCAL must be a folder", o.Local), "give the folder to pull into")
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read %q: %s", o.Local, cause(err)), "check the permissions")
	}
	shown := "/" + strings.TrimPrefix(o.Remote, "/")
	listing := func() { o.Progress.Phase(fmt.Sprintf("listing Dropbox %q", shown), progress.Entries, 0) }
	if o.Remote != "" { // a file or a folder: looked up first
		o.Progress.Phase(fmt.Sprintf("looking up %q on Dropbox", shown), progress.None, 0)
	}
	l, err := list(ctx, c, o.Remote, listing, func(n int) { o.Progress.Add(int64(n)) })
	if err != nil {
		return nil, err
	}
	var root *os.Root
	if !o.DryRun {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, localFailure(&localError{path: o.Local, err: err})
		}
	}
	if root, err = os.OpenRoot(dir); err != nil && !(o.DryRun && errors.Is(err, fs.ErrNotExist)) {
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot open %q: %s", o.Local, cause(err)), "check the permissions")
	}
	if root != nil {
		defer root.Close()
		placeLocally(root, l)
	}
	if !o.DryRun {
		n, le := removeTemps(root, o.Local, l.jobs)
		if le != nil {
			return nil, localFailure(le)
		}
		if n > 0 {
			o.Log.Info("removed the temporary files of an interrupted pull", "count", n)
		}
	}
	o.Progress.Phase(fmt.Sprintf("comparing with the local files in %q", o.Local), progress.None, 0)
	if err := decide(ctx, root, dir, l.jobs, o.Overwrite); err != nil {
		return nil, err
	}
	sum := &report.PullSummary{Remote: o.Remote, Local: o.Local, DryRun: o.DryRun, LeftOut: l.leftOut}
	if o.DryRun {
		dryRun(sum, l.jobs)
		return sum, nil
	}
	for _, d := range l.folders {
		if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			return nil, localFailure(&localError{path: filepath.Join(o.Local, d), err: err})
		}
	}
	f := &fetcher{c: c, o: o, root: root, dir: o.Local, prog: o.Progress}
	if n, bytes := count(l.jobs); n > 0 {
		f.prog.Transfer("downloading", n, bytes)
	} else {
		f.prog.End()
	}
	runErr := f.run(ctx, l.jobs)
	f.prog.End()
	summarize(sum, l.jobs)
	sort.Slice(sum.LeftOut, func(i, k int) bool { return sum.LeftOut[i].Local < sum.LeftOut[k].Local })
	sum.Retries = c.Retries.Total()
	sum.Seconds = time.Since(started).Seconds()
	return sum, runErr
}

// count returns the number and size of the files to download.
func count(jobs []*job) (n int, bytes int64) {
	for _, j := range jobs {
		if j.action == actDownload || j.action == actReplace {
			n++
			bytes += j.remote.Size
		}
	}
	return n, bytes
}

func fileOf(j *job) report.File {
	return report.File{Local: j.rel, Dropbox: j.remote.Path, Size: j.remote.Size, Hash: j.remote.Hash, Rev: j.remote.Rev, Reason: j.reason}
}

// summarize counts what happened to each job after the downloads. A job
// that was to be downloaded and was not, without an error, was not reached
// (the pull stopped first): it counts as neither done nor failed.
func summarize(sum *report.PullSummary, jobs []*job) {
	for _, j := range jobs {
		f := fileOf(j)
		switch {
		case j.meta != nil:
			sum.Downloaded++
			sum.Bytes += int64(j.meta.Size)
		case j.refused != "":
			sum.LeftOut = append(sum.LeftOut, report.Note{Local: j.remote.Path, Reason: j.refused})
		case j.err != nil:
			f.Status, f.Error = "failed", explain(j.err)
			sum.Failed++
			sum.Failures = append(sum.Failures, f)
		case j.action == actUnchanged:
			sum.Unchanged++
		case j.action == actKept:
			f.Status = "kept"
			sum.Kept++
			sum.KeptFiles = append(sum.KeptFiles, f)
		case j.action == actConflict:
			f.Status, f.Error = "failed", j.reason
			sum.Failed++
			sum.Failures = append(sum.Failures, f)
		case j.action == actDownload || j.action == actReplace:
			sum.NotDownloaded++ // interrupted before its turn
		}
	}
}

func dryRun(sum *report.PullSummary, jobs []*job) {
	for _, j := range jobs {
		f := fileOf(j)
		switch j.action {
		case actDownload, actReplace:
			f.Status = "would download"
			if j.action == actReplace {
				f.Status = "would overwrite"
			}
			sum.Downloaded++
			sum.Bytes += j.remote.Size
		case actUnchanged:
			f.Status = "unchanged"
			sum.Unchanged++
		case actKept:
			f.Status = "kept"
			sum.Kept++
			sum.KeptFiles = append(sum.KeptFiles, f)
		default:
			f.Status = "conflict"
			sum.Failed++
		}
		sum.Planned = append(sum.Planned, f)
	}
}
