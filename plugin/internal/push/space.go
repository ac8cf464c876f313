package push

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// A full account. Dropbox refuses data only at commit, with
// insufficient_space (files.stone: appends have no such error), so a push
// into a full account would send everything and then fail every commit
// (peers that kept retrying wasted bandwidth: d0ugal/hassio-dropbox-upload#63;
// rclone made it fatal, rclone#7334). A push that sends at least
// spaceCheckFrom asks Dropbox for its free space first
// (users/get_space_usage) and stops before sending if it lacks room; an
// insufficient_space at commit stops the upload (package transfer) and is
// said the same way. Both are exit.Full.

// spaceCheckFrom is the size of a push from which Dropbox's free space is
// checked before sending: one request, made while Dropbox is listed.
const spaceCheckFrom = 32 << 20

// spaceAnswer is Dropbox's free space, asked while Dropbox is listed (so
// that the check costs no round trip before the first byte is sent).
type spaceAnswer struct {
	done chan struct{}
	free int64
	ok   bool
	err  error
}

// askSpace asks Dropbox for its free space in the background when the
// files of tree add up to spaceCheckFrom or more (the plan, once made,
// may need less: then the answer is not used); nil otherwise.
func askSpace(ctx context.Context, c *dbx.Client, o Options, tree *local.Tree) *spaceAnswer {
	if o.DryRun || o.Offline != "" {
		return nil
	}
	if tree.Bytes() < spaceCheckFrom {
		return nil
	}
	a := &spaceAnswer{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.free, a.ok, a.err = c.FreeSpace(ctx)
	}()
	return a
}

// checkSpace stops a push that needs more room than Dropbox has, before
// anything is sent, from the answer askSpace asked for. The check is
// skipped, and the log says why, when the credential may not read the
// account (account_info.read) or the answer cannot be had: the commits
// then tell.
func checkSpace(ctx context.Context, a *spaceAnswer, p *plan.Plan, log hclog.Logger) error {
	if a == nil || p.Bytes(plan.Upload) < spaceCheckFrom {
		return nil
	}
	need := growth(p.Items)
	select {
	case <-a.done:
	case <-ctx.Done():
		return dbx.Explain(ctx.Err(), "checking Dropbox's free space")
	}
	free, ok, err := a.free, a.ok, a.err
	switch {
	case dbx.MissingScope(err):
		log.Warn("not checking Dropbox's free space before sending: the credential lacks the account_info.read permission")
		return nil
	case ctx.Err() != nil:
		return dbx.Explain(ctx.Err(), "checking Dropbox's free space")
	case err != nil:
		log.Warn("not checking Dropbox's free space before sending: users/get_space_usage failed", "error", dbx.Explain(err, "").Error())
		return nil
	case !ok:
		log.Warn("not checking Dropbox's free space before sending: Dropbox described the account's space in a way this version does not know")
		return nil
	}
	log.Debug("Dropbox's free space", "needed", need, "free", free)
	if need > free {
		return full(need, free, true, nil)
	}
	return nil
}

// growth is what posting items adds to the account: each file sent, less
// the file it replaces on Dropbox.
func growth(items []*plan.Item) int64 {
	var n int64
	for _, it := range items {
		if it.Action != plan.Upload {
			continue
		}
		d := it.File.Size
		if it.Remote != nil {
			d -= it.Remote.Size
		}
		n += max(d, 0)
	}
	return n
}

// fullAtCommit turns an upload stopped by insufficient_space into the
// error of a full account: what the files not posted need, and what
// Dropbox says is free (when it says).
func fullAtCommit(ctx context.Context, c *dbx.Client, results []transfer.Result, err error) error {
	var left []*plan.Item
	for _, r := range results {
		if !r.Committed {
			left = append(left, r.Item)
		}
	}
	free, ok, ferr := c.FreeSpace(ctx)
	return full(growth(left), free, ok && ferr == nil, err)
}

// full is the error of a push that does not fit: it needs need bytes, and
// Dropbox has free (when known).
func full(need, free int64, known bool, cause error) error {
	has := " more"
	if known {
		has = ", has " + report.Bytes(free) + " free"
	}
	fix := "free space on Dropbox (or post to another account), then run again; nothing was sent"
	if cause != nil {
		fix = "free space on Dropbox (or post to another account), then run again: what was posted is not sent again"
	}
	return exit.Wrap(exit.Full, cause, fmt.Sprintf("Dropbox is full: needs %s%s", report.Bytes(need), has), fix)
}
