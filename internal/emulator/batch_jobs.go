package emulator

import (
	"sync"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// The async side of files/upload_session/finish_batch (v1): the commit is
// done at once, but the answer is only a job id, as Dropbox gives it
// ({".tag": "async_job_id", "async_job_id": "dbjid:…"}). The first
// finish_batch/check of a job answers in_progress, the next ones
// complete with the entries, so that a client's polling loop runs. Jobs
// live in memory for the life of the server.

// maxJobs bounds the jobs kept; the oldest are forgotten first.
const maxJobs = 10000

type batchJob struct {
	entries []batchEntry
	checked bool // checked once: the next check completes
}

type batchJobs struct {
	mu    sync.Mutex
	jobs  map[string]*batchJob
	order []string
}

func newBatchJobs() *batchJobs { return &batchJobs{jobs: map[string]*batchJob{}} }

// add keeps a finished job and returns its id.
func (b *batchJobs) add(entries []batchEntry) string {
	id := "dbjid:" + store.RandomToken(42)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.order) == maxJobs {
		delete(b.jobs, b.order[0])
		b.order = b.order[1:]
	}
	b.jobs[id] = &batchJob{entries: entries}
	b.order = append(b.order, id)
	return id
}

// check returns the job's entries, or done=false while it is "in
// progress"; known=false for an id it does not have.
func (b *batchJobs) check(id string) (entries []batchEntry, done, known bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	j := b.jobs[id]
	if j == nil {
		return nil, false, false
	}
	if !j.checked {
		j.checked = true
		return nil, false, true
	}
	return j.entries, true, true
}

// files/upload_session/finish_batch (v1).
func (s *Server) sessionFinishBatchV1(c *call) {
	out, ok := s.finishBatch(c)
	if !ok {
		return
	}
	id := s.jobs.add(out)
	c.ok(store.U("async_job_id", "async_job_id", id))
}

// files/upload_session/finish_batch/check.
func (s *Server) sessionFinishBatchCheck(c *call) {
	var arg struct {
		ID *string `json:"async_job_id"`
	}
	if !c.decode(&arg) || !c.required("async_job_id", arg.ID != nil) {
		return
	}
	if *arg.ID == "" {
		c.bad("request body: async_job_id: '' must be at least 1 characters, got 0")
		return
	}
	entries, done, known := s.jobs.check(*arg.ID)
	switch {
	case !known:
		c.fail(store.U("invalid_async_job_id"))
	case !done:
		c.ok(store.U("in_progress"))
	default:
		c.ok(store.U("complete", "entries", entries))
	}
}
