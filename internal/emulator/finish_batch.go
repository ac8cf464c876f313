package emulator

import (
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// files/upload_session/finish_batch_v2: up to 1000 closed sessions
// committed at once, as one commit, each entry succeeding or failing on
// its own. files/upload_session/finish_batch (v1, deprecated) does the
// same work but answers with an async job id, whose result
// files/upload_session/finish_batch/check returns (see batch_jobs.go).

// batchEntry is one entry of finish_batch_v2's answer.
type batchEntry struct {
	meta    *store.FileMetadata
	failure *store.Union
}

func (e batchEntry) MarshalJSON() ([]byte, error) {
	if e.failure != nil {
		return store.Marshal(store.U("failure", "failure", *e.failure))
	}
	m := *e.meta
	m.Tag = "success"
	return store.Marshal(m)
}

// files/upload_session/finish_batch_v2.
func (s *Server) sessionFinishBatch(c *call) {
	if out, ok := s.finishBatch(c); ok {
		c.ok(map[string][]batchEntry{"entries": out})
	}
}

// finishBatch checks every entry, then commits them all at once, as one
// commit. It returns false when it answered already (a malformed call, a
// failure of the emulator).
func (s *Server) finishBatch(c *call) ([]batchEntry, bool) {
	var arg struct {
		Entries *[]finishArg `json:"entries"`
	}
	if !c.decode(&arg) || !c.required("entries", arg.Entries != nil) {
		return nil, false
	}
	entries := *arg.Entries
	if len(entries) > store.MaxBatch {
		c.bad(fmt.Sprintf("request body: entries: %d items is more than the maximum of %d", len(entries), store.MaxBatch))
		return nil, false
	}
	commits := make([]store.FileCommit, len(entries))
	for i := range entries {
		prefix := fmt.Sprintf("entries[%d]: ", i)
		if !c.checkCursor(entries[i].Cursor, prefix) {
			return nil, false
		}
		fc, ok := c.toCommit(entries[i].Commit, prefix+"commit: ")
		if !ok {
			return nil, false
		}
		commits[i] = fc
	}

	out := make([]batchEntry, len(entries))
	held := make([]*store.Session, len(entries)) // sessions marked busy by this call
	defer func() {
		for _, sess := range held {
			if sess != nil {
				sess.Mu.Lock()
				sess.Busy = false
				sess.Mu.Unlock()
			}
		}
	}()
	var ready []int
	for i, e := range entries {
		sess := s.sessions.Get(*e.Cursor.SessionID)
		if sess == nil {
			f := store.LookupErr(store.WriteErr("not_found"))
			out[i].failure = &f
			continue
		}
		sess.Mu.Lock()
		var fe *store.Union
		var err error
		switch {
		case s.refuseConcurrentInBatch(sess):
			f := store.U("other")
			fe = &f
		case !sess.Committed && !sess.Busy && !sess.Closed:
			f := store.LookupErr(store.WriteErr("not_closed"))
			fe = &f
		default:
			fe, err = s.sessions.Prepare(sess, *e.Cursor.Offset, nil, store.EmptyHash, e.ContentHash)
		}
		if err == nil && fe == nil {
			sess.Busy = true
			held[i] = sess
			commits[i].Content, commits[i].Hash = sess.Content, sess.Hash
			ready = append(ready, i)
		}
		sess.Mu.Unlock()
		if err != nil {
			c.internal(err)
			return nil, false
		}
		out[i].failure = fe
	}

	release, why := s.gate.enter()
	if why != uncontended && s.wholeCall(why, true) {
		c.contended()
		return nil, false
	}
	if why != uncontended {
		s.fault(faultWriteContention, c.route.name)
		for _, i := range ready {
			out[i].failure = store.WriteErr("too_many_write_operations")
		}
		return out, true
	}
	batch := make([]store.FileCommit, len(ready))
	for k, i := range ready {
		batch[k] = commits[i]
	}
	res, err := s.store.CommitFiles(batch)
	release()
	if err != nil {
		c.internal(err)
		return nil, false
	}
	for k, i := range ready {
		if w := res[k].WriteError; w != nil {
			f := store.U("path", "path", *w)
			out[i].failure = &f
			continue
		}
		meta := s.committed(res[k].Meta)
		out[i].meta = &meta
		sess := held[i]
		sess.Mu.Lock()
		sess.Busy = false
		s.sessions.Finished(sess)
		sess.Mu.Unlock()
		held[i] = nil
	}
	return out, true
}
