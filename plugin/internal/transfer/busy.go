package transfer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A busy Dropbox. The real service can keep an account's namespace locked
// for tens of seconds to minutes: every entry of a finish_batch fails with
// too_many_write_operations (dropbox-sdk-js#270, seven times in a row;
// rclone's docs: waits "for 15s or sometimes 300s"), or the whole call
// answers 429 with that reason (rclone#5156). The upload sessions stay
// valid meanwhile (for days: files.stone), so the committer commits the
// same sessions again, with Retry-After where given and a backoff growing
// to half a minute, for up to Options.WriteWait; the data is never sent
// again for it. A session that has expired in between (not_found) fails,
// and is sent again in the next round.

// DefaultWriteWait is Options.WriteWait's default: how long a commit that
// Dropbox refuses for contention or a rate limit keeps being tried.
const DefaultWriteWait = 10 * time.Minute

// maxBusyBackoff caps the wait between two tries of a refused commit.
const maxBusyBackoff = 30 * time.Second

// contentionBackoff is the wait before the attempt-th try of a refused
// commit: 100 ms doubled each time up to maxBusyBackoff, spread over [50%,
// 100%] so that commits refused together do not come back together.
func contentionBackoff(attempt int) time.Duration {
	d := maxBusyBackoff
	if attempt < 20 {
		d = min(d, 100*time.Millisecond<<attempt)
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// clock is the committer's time: real, or a test's.
type clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time                                   { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error { return retry.Sleep(ctx, d) }

// busy reports whether a commit's error means that Dropbox is busy, and
// nothing was committed: a 429 (its Retry-After is returned), or
// too_many_write_operations (upload_session/finish's 409).
func busy(err error) (time.Duration, bool) {
	var rl auth.RateLimitAPIError
	switch {
	case errors.As(err, &rl):
		var wait time.Duration
		if rl.RateLimitError != nil {
			wait = time.Duration(rl.RateLimitError.RetryAfter) * time.Second
		}
		return wait, true
	case dbx.HasTag(err, "too_many_write_operations"):
		return 0, true
	}
	return 0, false
}

// again commits rs (refused together, for err) again, together, after
// Retry-After (retryAfter) or a backoff, whichever is longer; those for
// which Dropbox has been busy for longer than the committer's patience fail
// with err, for good. Refused commits come back as one batch, not one by
// one: Dropbox asks for commits in batches.
func (cm *committer) again(ctx context.Context, rs []commitReq, err error, retryAfter time.Duration) {
	now := cm.clock.Now()
	var keep []commitReq
	attempts := 0
	for _, r := range rs {
		r.attempts++
		if r.busySince.IsZero() {
			r.busySince = now
		}
		if waited := now.Sub(r.busySince); waited >= cm.patience {
			w := &waitedOut{err: err, waited: waited}
			r.done(nil, exit.Wrap(exit.Dropbox, w, w.Error(),
				"run again later (what was posted is not sent again), or let it wait longer with "+EnvWriteWait))
			continue
		}
		keep, attempts = append(keep, r), max(attempts, r.attempts)
	}
	if len(keep) == 0 {
		return
	}
	wait := max(retryAfter, cm.backoff(attempts-1))
	if !cm.told {
		cm.told = true
		cm.log.Info("Dropbox is busy with other writes to this account; committing the files again once it is free (their data is not sent again)",
			"reason", dbx.Summary(err), "next_try_in", wait.Round(time.Millisecond), "waiting_up_to", cm.patience)
	}
	cm.log.Debug("commits refused; trying again", "files", len(keep), "attempt", attempts, "wait", wait)
	cm.later(ctx, keep, wait)
}

// waitedOut is a commit given up after Dropbox stayed busy for longer than
// Options.WriteWait: sending the file again would not help.
type waitedOut struct {
	err    error
	waited time.Duration
}

func (e *waitedOut) Error() string {
	return fmt.Sprintf("Dropbox stayed busy with other writes to this account for %v (%q)", e.waited.Round(time.Second), dbx.Clip(strings.TrimRight(dbx.Summary(e.err), "/.")))
}

// EnvWriteWait is the environment variable that sets Options.WriteWait for
// the commands that post (a Go duration).
const EnvWriteWait = "DROPBOX_POST_WRITE_WAIT"

func (e *waitedOut) Unwrap() error { return e.err }
