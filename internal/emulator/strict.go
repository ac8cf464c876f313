package emulator

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Strict modes: where nobody here can confirm what the real Dropbox
// answers, the emulator answers one way by default (the way the client
// prefers) and, in a strict mode, the other way, so that the client's
// fallback for that answer runs in the tests. Each mode is off in the zero
// value. (A listing reset, the fifth such answer, is Server.ResetCursors.)
type Strict struct {
	// FinishBatchConcurrent: upload_session/finish_batch_v2 refuses
	// concurrent upload sessions, each with a failure entry ("other"), as
	// the spec's text ("use upload_session/finish to commit" a concurrent
	// session) allows. The client then commits them one by one with
	// upload_session/finish.
	FinishBatchConcurrent bool
	// RefuseEmptyAppend: upload_session/append_batch refuses entries of
	// length 0. RefuseEntry fails each such entry ("other"); RefuseRequest
	// fails the whole call with 400. The client then sends empty files
	// with files/upload.
	RefuseEmptyAppend Refusal
	// OmitContentHash: commits (files/upload, upload_session/finish,
	// finish_batch_v2) answer without content_hash, which the spec makes
	// optional. The client then looks it up with files/get_metadata.
	OmitContentHash bool
	// OmitListingHash: listings (list_folder, list_folder/continue) and
	// files/get_metadata answer without content_hash, which the spec
	// makes optional there too. The client then cannot tell a file
	// unchanged: push sends it again, verify and pull say the content
	// could not be compared.
	OmitListingHash bool
	// RefuseEmptyChunked: an upload-style request whose body is chunked
	// and empty is refused with 400. The client sends empty bodies with
	// Content-Length: 0.
	RefuseEmptyChunked bool
}

// Refusal is how a strict mode refuses: not at all, per entry, or the whole
// request.
type Refusal string

// Values of Refusal.
const (
	RefuseNone    Refusal = ""
	RefuseEntry   Refusal = "entry"
	RefuseRequest Refusal = "request"
)

// validate reports a strict mode that makes no sense.
func (st Strict) validate() error {
	switch st.RefuseEmptyAppend {
	case RefuseNone, RefuseEntry, RefuseRequest:
	default:
		return fmt.Errorf("refuse-empty-append %q is neither %q nor %q", string(st.RefuseEmptyAppend), RefuseEntry, RefuseRequest)
	}
	return nil
}

// committed is the metadata a commit answers with (OmitContentHash).
func (s *Server) committed(m store.FileMetadata) store.FileMetadata {
	if s.opts.Strict.OmitContentHash {
		m.ContentHash = ""
	}
	return m
}

// listed is the metadata a listing or get_metadata answers with
// (OmitListingHash): entries are the Metadata unions of taggedMeta.
func (s *Server) listed(entries ...any) {
	s.answerDocuments(entries)
	if !s.opts.Strict.OmitListingHash {
		return
	}
	for i, e := range entries {
		if m, ok := e.(store.FileMetadata); ok {
			m.ContentHash = ""
			entries[i] = m
		}
	}
}

// refuseConcurrentInBatch reports whether finish_batch_v2 refuses sess
// (FinishBatchConcurrent).
func (s *Server) refuseConcurrentInBatch(sess *store.Session) bool {
	return s.opts.Strict.FinishBatchConcurrent && sess.Concurrent
}

// refuseEmptyAppend returns how append_batch refuses an entry of length n
// (RefuseEmptyAppend).
func (s *Server) refuseEmptyAppend(n int64) Refusal {
	if n != 0 {
		return RefuseNone
	}
	return s.opts.Strict.RefuseEmptyAppend
}

// strictBody answers 400 to an upload-style request with an empty chunked
// body (RefuseEmptyChunked), and reports whether to go on.
func (c *call) strictBody() bool {
	if !c.s.opts.Strict.RefuseEmptyChunked || c.route.style != uploadStyle || c.r.ContentLength != -1 {
		return true
	}
	br := bufio.NewReader(c.r.Body)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		c.bad("request body: an empty body must be sent with Content-Length: 0, not chunked (strict mode)")
		return false
	}
	c.r.Body = readCloser{br, c.r.Body}
	return true
}

type readCloser struct {
	io.Reader
	io.Closer
}
