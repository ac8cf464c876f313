package push

import (
	"context"
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/share"
	"github.com/librec-auto/dropbox-post/plugin/internal/verify"
)

// after runs what follows a complete upload, when asked: it checks that
// Dropbox holds every local file (o.Verify), then makes or reuses a
// shared link (o.Share), which goes in sum and in the manifest m.
func after(ctx context.Context, c *dbx.Client, o Options, tree *local.Tree, sum *report.Summary, m *manifest.Manifest) error {
	prog := o.Progress
	if o.Verify {
		prog.Phase(fmt.Sprintf("verifying %q against Dropbox", o.Local), progress.None, 0)
		if err := check(ctx, c, tree, o.Dest, sum); err != nil {
			return err
		}
	}
	if !o.Share {
		return nil
	}
	target := o.Dest
	if !tree.IsDir {
		target = dpath.Join(o.Dest, tree.Files[0].Rel)
	}
	prog.Phase(fmt.Sprintf("sharing %q", target), progress.None, 0)
	var err error
	sum.Link, err = share.Link(ctx, c.Sharing, target)
	m.Link = sum.Link
	return err
}

// check compares, after an upload, the local files with a fresh listing
// of Dropbox, using the hashes computed while planning and sending, and
// records the outcome in sum. The listing is of what the tree needs
// (treeParts), as the plan's was: what else Dropbox holds under dest is
// not looked at.
func check(ctx context.Context, c *dbx.Client, tree *local.Tree, dest string, sum *report.Summary) error {
	var held map[string]remote.Entry
	var err error
	if parts := treeParts(tree); tree.IsDir && parts != nil {
		held, err = remote.ListParts(ctx, c.Files, dest, parts, nil)
	} else {
		held, err = remote.ForTree(ctx, c.Files, tree, dest)
	}
	if err != nil {
		return err
	}
	posted := *tree
	posted.Invalid = nil // failed already, by name (refused)
	res := verify.CompareTree(&posted, dest, held)
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
