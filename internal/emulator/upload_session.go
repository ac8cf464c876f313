package emulator

import (
	"errors"
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// The upload session routes: start, start_batch, append_v2 and finish.
// (finish_batch_v2 is in finish_batch.go; the sessions themselves in
// sessions.go.)

// files/upload_session/start.
func (s *Server) sessionStart(c *call) {
	var arg struct {
		Close       bool `json:"close"`
		SessionType *struct {
			Tag string `json:".tag"`
		} `json:"session_type"`
		ContentHash string `json:"content_hash"`
	}
	if !c.decode(&arg) {
		return
	}
	concurrent := false
	if arg.SessionType != nil {
		switch arg.SessionType.Tag {
		case "sequential":
		case "concurrent":
			concurrent = true
		default:
			c.bad(fmt.Sprintf("request body: session_type: unknown tag '%s'", arg.SessionType.Tag))
			return
		}
	}
	data, hash, ok := c.chunk()
	if !ok {
		return
	}
	switch {
	case concurrent && len(data) > 0:
		c.fail(store.U("concurrent_session_data_not_allowed"))
		return
	case concurrent && arg.Close:
		c.fail(store.U("concurrent_session_close_not_allowed"))
		return
	case arg.ContentHash != "" && arg.ContentHash != hash:
		c.fail(store.U("content_hash_mismatch"))
		return
	}
	id, sess := s.sessions.Start(concurrent)
	sess.Mu.Lock()
	_, err := s.sessions.AppendData(sess, 0, data, arg.Close)
	sess.Mu.Unlock()
	if err != nil {
		c.internal(err)
		return
	}
	c.ok(map[string]string{"session_id": id})
}

// chunk reads a session request's data, answering payload_too_large or
// 500 itself.
func (c *call) chunk() ([]byte, string, bool) {
	data, hash, err := c.readChunk()
	switch {
	case errors.Is(err, errTooLarge):
		c.fail(store.U("payload_too_large"))
		return nil, "", false
	case err != nil:
		return nil, "", false // the client went away
	}
	return data, hash, true
}

// files/upload_session/start_batch.
func (s *Server) sessionStartBatch(c *call) {
	var arg struct {
		NumSessions *int64 `json:"num_sessions"`
		SessionType *struct {
			Tag string `json:".tag"`
		} `json:"session_type"`
	}
	if !c.decode(&arg) || !c.required("num_sessions", arg.NumSessions != nil) {
		return
	}
	n := *arg.NumSessions
	if n < 1 || n > store.MaxBatch {
		c.bad(fmt.Sprintf("request body: num_sessions: %d is not between 1 and %d", n, store.MaxBatch))
		return
	}
	concurrent := arg.SessionType != nil && arg.SessionType.Tag == "concurrent"
	ids := make([]string, n)
	for i := range ids {
		ids[i], _ = s.sessions.Start(concurrent)
	}
	c.ok(map[string][]string{"session_ids": ids})
}

type sessionCursor struct {
	SessionID *string `json:"session_id"`
	Offset    *int64  `json:"offset"`
}

func (c *call) checkCursor(cur *sessionCursor, prefix string) bool {
	switch {
	case cur == nil:
		return c.required(prefix+"cursor", false)
	case cur.SessionID == nil:
		return c.required(prefix+"cursor.session_id", false)
	case cur.Offset == nil:
		return c.required(prefix+"cursor.offset", false)
	case *cur.Offset < 0:
		c.bad(fmt.Sprintf("request body: %scursor.offset: %d is negative", prefix, *cur.Offset))
		return false
	}
	return true
}

// files/upload_session/append_v2.
func (s *Server) sessionAppend(c *call) {
	var arg struct {
		Cursor      *sessionCursor `json:"cursor"`
		Close       bool           `json:"close"`
		ContentHash string         `json:"content_hash"`
	}
	if !c.decode(&arg) || !c.checkCursor(arg.Cursor, "") {
		return
	}
	data, hash, ok := c.chunk()
	if !ok {
		return
	}
	if arg.ContentHash != "" && arg.ContentHash != hash {
		c.fail(store.U("content_hash_mismatch"))
		return
	}
	sess := s.sessions.Get(*arg.Cursor.SessionID)
	if sess == nil {
		c.fail(store.U("not_found"))
		return
	}
	sess.Mu.Lock()
	e, err := s.sessions.AppendHashed(sess, *arg.Cursor.Offset, data, c.blocks, arg.Close)
	sess.Mu.Unlock()
	c.answer(nil, e, err)
}

// finishArg is files/UploadSessionFinishArg.
type finishArg struct {
	Cursor      *sessionCursor `json:"cursor"`
	Commit      *commitInfo    `json:"commit"`
	ContentHash string         `json:"content_hash"`
}

// files/upload_session/finish.
func (s *Server) sessionFinish(c *call) {
	var arg finishArg
	if !c.decode(&arg) || !c.checkCursor(arg.Cursor, "") {
		return
	}
	fc, ok := c.toCommit(arg.Commit, "commit: ")
	if !ok {
		return
	}
	data, hash, ok := c.chunk()
	if !ok {
		return
	}
	sess := s.sessions.Get(*arg.Cursor.SessionID)
	if sess == nil {
		c.fail(store.LookupErr(store.WriteErr("not_found")))
		return
	}
	sess.Mu.Lock()
	defer sess.Mu.Unlock()
	e, err := s.sessions.Prepare(sess, *arg.Cursor.Offset, data, hash, arg.ContentHash)
	switch {
	case err != nil:
		c.internal(err)
		return
	case e != nil:
		c.fail(*e)
		return
	}
	fc.Content, fc.Hash = sess.Content, sess.Hash
	release, why := s.gate.enter()
	if why != uncontended {
		c.contendedFinish(why)
		return
	}
	res, err := s.store.CommitFiles([]store.FileCommit{fc})
	release()
	switch {
	case err != nil:
		c.internal(err)
	case res[0].WriteError != nil:
		c.fail(store.U("path", "path", *res[0].WriteError))
	default:
		s.sessions.Finished(sess)
		c.ok(s.committed(res[0].Meta))
	}
}
