package emulator

import (
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// files/upload_session/append_batch: data for up to 1000 sessions in one
// request, their pieces concatenated in the body in the order of the
// entries, each entry appended (or refused) on its own.

// appendBatchEntry is one entry of append_batch's answer.
type appendBatchEntry struct {
	failure *store.Union
}

func (e appendBatchEntry) MarshalJSON() ([]byte, error) {
	if e.failure != nil {
		return store.Marshal(store.U("failure", "failure", *e.failure))
	}
	return store.Marshal(store.U("success"))
}

func (s *Server) sessionAppendBatch(c *call) {
	var arg struct {
		Entries *[]struct {
			Cursor *sessionCursor `json:"cursor"`
			Length *int64         `json:"length"`
			Close  bool           `json:"close"`
		} `json:"entries"`
		ContentHash string `json:"content_hash"`
	}
	if !c.decode(&arg) || !c.required("entries", arg.Entries != nil) {
		return
	}
	entries := *arg.Entries
	if len(entries) > store.MaxBatch {
		c.bad(fmt.Sprintf("request body: entries: %d items is more than the maximum of %d", len(entries), store.MaxBatch))
		return
	}
	var total int64
	for i, e := range entries {
		prefix := fmt.Sprintf("entries[%d]: ", i)
		if !c.checkCursor(e.Cursor, prefix) || !c.required(prefix+"length", e.Length != nil) {
			return
		}
		if *e.Length < 0 {
			c.bad(fmt.Sprintf("request body: %slength: %d is negative", prefix, *e.Length))
			return
		}
		if s.refuseEmptyAppend(*e.Length) == RefuseRequest {
			c.bad(fmt.Sprintf("request body: %slength: 0 is refused (strict mode)", prefix))
			return
		}
		total += *e.Length
	}
	data, hash, ok := c.chunk()
	if !ok {
		return
	}
	switch {
	case int64(len(data)) != total:
		c.fail(store.U("length_mismatch"))
		return
	case arg.ContentHash != "" && arg.ContentHash != hash:
		c.fail(store.U("content_hash_mismatch"))
		return
	}
	out := make([]appendBatchEntry, len(entries))
	var start int64
	for i, e := range entries {
		piece := data[start : start+*e.Length : start+*e.Length]
		start += *e.Length
		sess := s.sessions.Get(*e.Cursor.SessionID)
		if sess == nil {
			out[i].failure = store.WriteErr("not_found")
			continue
		}
		if s.refuseEmptyAppend(*e.Length) == RefuseEntry {
			f := store.U("other")
			out[i].failure = &f
			continue
		}
		var digests []store.Digest
		if sess.Concurrent {
			digests = store.BlockDigests(piece)
		}
		sess.Mu.Lock()
		fe, err := s.sessions.AppendHashed(sess, *e.Cursor.Offset, piece, digests, e.Close)
		sess.Mu.Unlock()
		if err != nil {
			c.internal(err)
			return
		}
		out[i].failure = fe
	}
	c.ok(map[string][]appendBatchEntry{"entries": out})
}
