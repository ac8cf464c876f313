package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/hashicorp/go-hclog"
)

// maxBatch is the most sessions finish_batch_v2 commits in one call.
const maxBatch = 1000

// linger is how long the committer waits for more sessions before it
// commits a batch that is not full, so that parallel workers share commits.
const linger = 50 * time.Millisecond

// commitReq asks for one finished upload session to be committed.
type commitReq struct {
	arg  *files.UploadSessionFinishArg
	done func(*files.FileMetadata, error) // called once, from the committer
}

// committer is the only place that commits files to Dropbox. It commits up
// to 1000 sessions per finish_batch_v2 call, one call at a time, so that
// commits never overlap: Dropbox serialises writes per account and fails
// overlapping commits with too_many_write_operations.
type committer struct {
	files   files.ContextClient
	in      chan commitReq
	log     hclog.Logger
	commits int // finish_batch_v2 calls made
}

func newCommitter(c files.ContextClient, log hclog.Logger) *committer {
	return &committer{files: c, in: make(chan commitReq, maxBatch), log: log}
}

// submit queues a session; done is called when it is committed or failed.
func (cm *committer) submit(ctx context.Context, r commitReq) {
	select {
	case cm.in <- r:
	case <-ctx.Done():
		r.done(nil, ctx.Err())
	}
}

// run commits until in is closed and drained. Requests still queued when
// ctx ends fail with ctx's error.
func (cm *committer) run(ctx context.Context) {
	for first := range cm.in {
		batch := []commitReq{first}
		timer := time.NewTimer(linger)
	gather:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-cm.in:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		cm.commit(ctx, batch)
	}
}

func (cm *committer) commit(ctx context.Context, batch []commitReq) {
	if err := ctx.Err(); err != nil {
		for _, r := range batch {
			r.done(nil, err)
		}
		return
	}
	arg := &files.UploadSessionFinishBatchArg{Entries: make([]*files.UploadSessionFinishArg, len(batch))}
	for i, r := range batch {
		arg.Entries[i] = r.arg
	}
	cm.commits++
	start := time.Now()
	res, err := cm.files.UploadSessionFinishBatchV2Context(ctx, arg)
	if err == nil && len(res.Entries) != len(batch) {
		err = fmt.Errorf("finish_batch_v2 answered %d entries for %d sessions", len(res.Entries), len(batch))
	}
	cm.log.Debug("committed a batch", "files", len(batch), "took", time.Since(start), "error", err)
	for i, r := range batch {
		switch {
		case err != nil:
			r.done(nil, err)
		case res.Entries[i].Success != nil:
			r.done(res.Entries[i].Success, nil)
		default:
			r.done(nil, finishError(res.Entries[i].Failure))
		}
	}
}

// EntryError is a per-file failure inside a batch (finish_batch_v2,
// append_batch). It carries Dropbox's tags as an error summary, so that
// dbx.HasTag and dbx.Explain read it like any other Dropbox error.
type EntryError struct {
	dropbox.APIError
}

func entryError(summary string) *EntryError {
	return &EntryError{dropbox.APIError{ErrorSummary: summary}}
}

func (e *EntryError) Error() string { return "Dropbox refused the file: " + e.ErrorSummary }

// permanentTags are failures that sending the file again cannot fix.
var permanentTags = []string{
	"disallowed_name", "malformed_path", "insufficient_space", "no_write_permission",
	"conflict", "team_folder", "too_many_files", "payload_too_large", "encryption_not_supported",
	"cant_copy_shared_folder", "operation_suppressed",
}

func finishError(f *files.UploadSessionFinishError) error {
	if f == nil {
		return errors.New("finish_batch_v2 entry has neither success nor failure")
	}
	s := f.Tag
	switch {
	case f.LookupFailed != nil:
		s += "/" + f.LookupFailed.Tag
	case f.Path != nil:
		s += "/" + f.Path.Tag
		if f.Path.Conflict != nil {
			s += "/" + f.Path.Conflict.Tag
		}
	}
	return entryError(s)
}
