package emulator

import "fmt"

// files/upload_session/finish_batch_v2: up to 1000 closed sessions
// committed at once, as one commit, each entry succeeding or failing on
// its own.

// batchEntry is one entry of finish_batch_v2's answer.
type batchEntry struct {
	meta    *fileMetadata
	failure *union
}

func (e batchEntry) MarshalJSON() ([]byte, error) {
	if e.failure != nil {
		return marshal(u("failure", "failure", *e.failure))
	}
	m := *e.meta
	m.Tag = "success"
	return marshal(m)
}

// files/upload_session/finish_batch_v2: every entry checked, then all
// committed at once, as one commit.
func (s *Server) sessionFinishBatch(c *call) {
	var arg struct {
		Entries *[]finishArg `json:"entries"`
	}
	if !c.decode(&arg) || !c.required("entries", arg.Entries != nil) {
		return
	}
	entries := *arg.Entries
	if len(entries) > maxBatch {
		c.bad(fmt.Sprintf("request body: entries: %d items is more than the maximum of %d", len(entries), maxBatch))
		return
	}
	commits := make([]fileCommit, len(entries))
	for i := range entries {
		prefix := fmt.Sprintf("entries[%d]: ", i)
		if !c.checkCursor(entries[i].Cursor, prefix) {
			return
		}
		fc, ok := c.toCommit(entries[i].Commit, prefix+"commit: ")
		if !ok {
			return
		}
		commits[i] = fc
	}

	out := make([]batchEntry, len(entries))
	held := make([]*session, len(entries)) // sessions marked busy by this call
	defer func() {
		for _, sess := range held {
			if sess != nil {
				sess.mu.Lock()
				sess.busy = false
				sess.mu.Unlock()
			}
		}
	}()
	var ready []int
	for i, e := range entries {
		sess := s.sessions.get(*e.Cursor.SessionID)
		if sess == nil {
			f := lookupErr(writeErr("not_found"))
			out[i].failure = &f
			continue
		}
		sess.mu.Lock()
		var fe *union
		var err error
		if !sess.committed && !sess.busy && !sess.closed {
			f := lookupErr(writeErr("not_closed"))
			fe = &f
		} else {
			fe, err = s.sessions.prepare(sess, *e.Cursor.Offset, nil, emptyHash, e.ContentHash)
		}
		if err == nil && fe == nil {
			sess.busy = true
			held[i] = sess
			commits[i].content, commits[i].hash = sess.content, sess.hash
			ready = append(ready, i)
		}
		sess.mu.Unlock()
		if err != nil {
			c.internal(err)
			return
		}
		out[i].failure = fe
	}

	release, ok := s.gate.enter()
	if !ok {
		s.fault(faultWriteContention, c.route.name)
		for _, i := range ready {
			out[i].failure = writeErr("too_many_write_operations")
		}
		c.ok(map[string][]batchEntry{"entries": out})
		return
	}
	batch := make([]fileCommit, len(ready))
	for k, i := range ready {
		batch[k] = commits[i]
	}
	res, err := s.store.commitFiles(batch)
	release()
	if err != nil {
		c.internal(err)
		return
	}
	for k, i := range ready {
		if w := res[k].werr; w != nil {
			f := u("path", "path", *w)
			out[i].failure = &f
			continue
		}
		meta := res[k].meta
		out[i].meta = &meta
		sess := held[i]
		sess.mu.Lock()
		sess.busy = false
		s.sessions.finished(sess)
		sess.mu.Unlock()
		held[i] = nil
	}
	c.ok(map[string][]batchEntry{"entries": out})
}
