package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// maxBatch is the most sessions finish_batch_v2 commits in one call.
const maxBatch = 1000

// mostWaiting is how many sessions may wait for their commit before the
// next one submitted waits for room: enough to fill the commit under way
// and the next one, so that the committer never waits for sessions while
// some are being sent, and few enough that a million files' sessions
// (their ids, their requests) are not all held at once when sending runs
// ahead of committing.
const mostWaiting = 2 * maxBatch

// linger is how long the committer waits for more sessions before it
// commits a batch that is not full, so that parallel workers share commits.
const linger = 50 * time.Millisecond

// commitReq asks for one finished upload session to be committed: the
// session's size bytes become it's file. Its finish argument is made only
// when it is committed, so that thousands of sessions waiting for their
// commit cost little memory.
type commitReq struct {
	it       *plan.Item
	session  string
	size     uint64
	done     func(*files.FileMetadata, error) // called once, from the committer
	attempts int                              // commits refused as busy so far
	// busySince is when Dropbox first refused this commit for contention
	// or a rate limit (zero: never): it is committed again, and given up
	// once Options.WriteWait has passed since (busy.go).
	busySince time.Time
	// concurrent: the session is a concurrent one (a large file), which
	// finish_batch_v2 may refuse (see finishAlone).
	concurrent bool
}

// committer is the only place that commits files to Dropbox. It commits up
// to 1000 sessions per finish_batch_v2 call, one call at a time, so that
// this run's commits never overlap: Dropbox serialises writes per account
// and fails overlapping commits with too_many_write_operations. Sessions
// refused for contention with another client, or for a rate limit, are
// committed again later, for up to patience (busy.go).
type committer struct {
	files    files.ContextClient
	log      hclog.Logger
	mode     plan.IfExists // what a commit does to a file of other content
	backoff  func(attempt int) time.Duration
	patience time.Duration // Options.WriteWait
	clock    clock
	told     bool // the log said that Dropbox is busy
	commits  int  // finish_batch_v2 calls made
	// alone: finish_batch_v2 refused a concurrent session, so concurrent
	// sessions are finished one by one with upload_session/finish.
	alone    bool
	finishes int // upload_session/finish calls made

	mu        sync.Mutex
	cond      *sync.Cond // signalled when sessions are queued, or on close
	room      *sync.Cond // broadcast when sessions leave the queue
	most      int        // sessions the queue holds before submit waits (mostWaiting)
	queue     []commitReq
	closed    bool          // no more submissions will come
	closing   chan struct{} // closed by close
	closeOnce sync.Once
	delayed   int // retries waiting for their backoff
}

func newCommitter(c files.ContextClient, log hclog.Logger) *committer {
	cm := &committer{files: c, log: log, mode: plan.Overwrite, backoff: contentionBackoff,
		patience: DefaultWriteWait, clock: realClock{}, closing: make(chan struct{}), most: mostWaiting}
	cm.cond = sync.NewCond(&cm.mu)
	cm.room = sync.NewCond(&cm.mu)
	return cm
}

// submit queues a session; done is called when it is committed or failed.
// While the queue is full it waits for the committer (running, as it is
// until close) to take sessions out: sessions sent far ahead of their
// commit would only be held in memory. (Retries queued again by the
// committer itself do not wait.)
func (cm *committer) submit(r commitReq) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	for len(cm.queue) >= cm.most && !cm.closed {
		cm.room.Wait()
	}
	cm.queue = append(cm.queue, r)
	cm.cond.Signal()
}

// close says that nothing more will be submitted; run returns once the
// queue and the delayed retries are done.
func (cm *committer) close() {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	cm.closeOnce.Do(func() { close(cm.closing) })
	cm.closed = true
	cm.cond.Broadcast()
	cm.room.Broadcast()
}

// linger waits for more sessions: the linger time, or until close.
func (cm *committer) linger(ctx context.Context) {
	t := time.NewTimer(linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-cm.closing:
	case <-ctx.Done():
	}
}

// run commits until close has been called and everything is committed.
func (cm *committer) run(ctx context.Context) {
	for {
		cm.mu.Lock()
		for len(cm.queue) == 0 && !(cm.closed && cm.delayed == 0) {
			cm.cond.Wait()
		}
		if len(cm.queue) == 0 {
			cm.mu.Unlock()
			return
		}
		if len(cm.queue) < maxBatch && !cm.closed {
			// Let parallel workers add theirs, so that they share a commit;
			// close (nothing more will come) ends the wait at once.
			cm.mu.Unlock()
			cm.linger(ctx)
			cm.mu.Lock()
		}
		n := min(len(cm.queue), maxBatch)
		batch := append([]commitReq(nil), cm.queue[:n]...)
		cm.queue = cm.queue[n:]
		cm.room.Broadcast()
		cm.mu.Unlock()
		cm.commit(ctx, batch)
	}
}

// later queues rs again, together, after wait (or fails them if ctx ends
// first).
func (cm *committer) later(ctx context.Context, rs []commitReq, wait time.Duration) {
	cm.mu.Lock()
	cm.delayed++
	cm.mu.Unlock()
	go func() {
		err := cm.clock.Sleep(ctx, wait)
		cm.mu.Lock()
		defer cm.mu.Unlock()
		cm.delayed--
		if err != nil {
			for _, r := range rs {
				r.done(nil, err)
			}
		} else {
			cm.queue = append(cm.queue, rs...)
		}
		cm.cond.Broadcast()
	}()
}

func (cm *committer) commit(ctx context.Context, batch []commitReq) {
	if err := ctx.Err(); err != nil {
		for _, r := range batch {
			r.done(nil, err)
		}
		return
	}
	if cm.alone {
		batch = cm.finishConcurrent(ctx, batch)
		if len(batch) == 0 {
			return
		}
	}
	arg := &files.UploadSessionFinishBatchArg{Entries: make([]*files.UploadSessionFinishArg, len(batch))}
	for i, r := range batch {
		arg.Entries[i] = cm.arg(r)
	}
	cm.commits++
	start := time.Now()
	res, err := cm.files.UploadSessionFinishBatchV2Context(ctx, arg)
	if err == nil && (len(res.Entries) != len(batch) || slices.Contains(res.Entries, nil)) {
		err = fmt.Errorf("finish_batch_v2 answered %d entries (or null ones) for %d sessions", len(res.Entries), len(batch))
	}
	cm.log.Debug("committed a batch", "files", len(batch), "took", time.Since(start), "error", err)
	if err != nil && refusedBatch(err) && hasConcurrent(batch) {
		// Dropbox refused the whole call, perhaps for the concurrent
		// sessions in it: finish those alone, commit the rest again.
		cm.learnAlone()
		rest := cm.finishConcurrent(ctx, batch)
		cm.mu.Lock()
		cm.queue = append(rest, cm.queue...)
		cm.mu.Unlock()
		return
	}
	if wait, ok := busy(err); ok {
		// Dropbox refused the whole call (429): nothing was committed,
		// and the sessions are still there.
		cm.again(ctx, batch, err, wait)
		return
	}
	var contended []commitReq
	for i, r := range batch {
		switch {
		case err == nil && r.concurrent && refusedEntry(res.Entries[i].Failure):
			cm.learnAlone()
			cm.finishAlone(ctx, r)
		case err != nil:
			r.done(nil, err)
		case res.Entries[i].Success != nil:
			r.done(res.Entries[i].Success, nil)
		case res.Entries[i].Failure != nil && res.Entries[i].Failure.Tag == files.UploadSessionFinishErrorTooManyWriteOperations:
			contended = append(contended, r)
		default:
			r.done(nil, finishError(res.Entries[i].Failure))
		}
	}
	if len(contended) > 0 {
		cm.again(ctx, contended, entryError(files.UploadSessionFinishErrorTooManyWriteOperations), 0)
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

// The spec's text says to commit a concurrent upload session with
// upload_session/finish; this tool commits them with finish_batch_v2 like
// every other session, which the emulator accepts and Dropbox is believed
// to (make conformance checks it). If Dropbox refuses, the session is
// finished alone, and so is every later concurrent session of the run.

// learnAlone switches concurrent sessions to upload_session/finish.
func (cm *committer) learnAlone() {
	if !cm.alone {
		cm.alone = true
		cm.log.Info("Dropbox refused a large file's upload session in finish_batch_v2; committing large files one by one with upload_session/finish")
	}
}

// finishConcurrent finishes the concurrent sessions of batch alone and
// returns the others.
func (cm *committer) finishConcurrent(ctx context.Context, batch []commitReq) []commitReq {
	var rest []commitReq
	for _, r := range batch {
		if r.concurrent {
			cm.finishAlone(ctx, r)
		} else {
			rest = append(rest, r)
		}
	}
	return rest
}

// finishAlone commits one session with upload_session/finish (no data).
// Quick retries happen in package dbx, as for any request; a commit still
// refused for contention or a rate limit is tried again later.
func (cm *committer) finishAlone(ctx context.Context, r commitReq) {
	cm.finishes++
	m, err := cm.files.UploadSessionFinishContext(ctx, cm.arg(r), nil)
	if wait, ok := busy(err); ok {
		cm.again(ctx, []commitReq{r}, err, wait)
		return
	}
	r.done(m, err)
}

// arg returns r's finish argument.
func (cm *committer) arg(r commitReq) *files.UploadSessionFinishArg {
	return files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(r.session, r.size), commitInfo(r.it, cm.mode))
}

func hasConcurrent(batch []commitReq) bool {
	for _, r := range batch {
		if r.concurrent {
			return true
		}
	}
	return false
}

// refusedBatch reports whether finish_batch_v2 refused the whole call as a
// bad request (400), as opposed to failing on the way (network, 5xx).
func refusedBatch(err error) bool {
	var br auth.BadRequest
	return errors.As(err, &br)
}

// refusedEntry reports whether a finish_batch_v2 entry failed for a reason
// that may be the batch route itself rather than the file: not a path
// error, contention, a hash mismatch or a size limit, which
// upload_session/finish would answer the same way.
func refusedEntry(f *files.UploadSessionFinishError) bool {
	if f == nil {
		return false
	}
	switch f.Tag {
	case files.UploadSessionFinishErrorPath, files.UploadSessionFinishErrorTooManyWriteOperations,
		files.UploadSessionFinishErrorContentHashMismatch, files.UploadSessionFinishErrorPayloadTooLarge,
		files.UploadSessionFinishErrorEncryptionNotSupported, files.UploadSessionFinishErrorPropertiesError,
		files.UploadSessionFinishErrorTooManySharedFolderTargets:
		return false
	}
	return true
}
