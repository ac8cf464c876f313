package push

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// scanLocal scans o.Local (at abs) as the push's first step: files that
// Dropbox would take for one (twins) stop the push before anything is
// sent, and names that pass for others are warned about. Names Dropbox
// cannot store are failed one by one (refused).
func scanLocal(o Options, abs string) (*local.Tree, error) {
	o.Progress.Phase(fmt.Sprintf("scanning %q", o.Local), progress.None, 0)
	tree, err := scan(o, abs)
	if err != nil {
		return nil, local.Explain(err, o.Local)
	}
	if len(tree.Twins) > 0 {
		tree.Close()
		return nil, twinNames(tree.Twins)
	}
	warnLookalikes(o.Log, tree)
	return tree, nil
}

// scan scans o.Local (abs): for run (o.Study set), reached from the study
// or the allowed folder it lies in, so that a symbolic link swapped into the
// path between the config's check and now cannot lead outside it; for push,
// on its own (LOCAL is what the person named, followed if it is a link).
func scan(o Options, abs string) (*local.Tree, error) {
	return local.ScanWith(abs, local.Options{Filter: o.Filter, Study: o.Study, Allowed: o.Allowed, Name: o.Name})
}

// twinNames reports, before anything is sent, the files that Dropbox
// would take for one.
func twinNames(notes []local.Note) error {
	list := make([]report.Note, len(notes))
	for i, n := range notes {
		list[i] = report.Note{Local: n.Rel, Reason: n.Reason}
	}
	return exit.New(exit.Local, fmt.Sprintf("%d local name(s) cannot be stored on Dropbox (%s)", len(notes), report.Brief(list)),
		"rename them; nothing was sent")
}

// refused puts in sum the files and folders whose names Dropbox cannot
// store (tree.Invalid): each fails alone, named, and the rest is posted.
// They are not in the manifest, which records what is on Dropbox.
func refused(sum *report.Summary, tree *local.Tree, dest string) {
	for _, n := range tree.Invalid {
		f := report.File{Local: n.Rel, Dropbox: dpath.Join(dest, n.Rel), Status: "failed", Error: "cannot be stored on Dropbox: " + n.Reason}
		if sum.DryRun {
			f.Status, f.Error, f.Reason = "conflict", "", f.Error
			sum.Planned = append(sum.Planned, f)
		} else {
			sum.Failures = append(sum.Failures, f)
		}
		sum.Failed++
	}
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
