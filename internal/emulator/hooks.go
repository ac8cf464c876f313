package emulator

import (
	"context"
	"net/http"
)

// Hooks let a test watch API requests as they arrive and as they complete,
// so that it can act at a precise point of a client's work: kill the
// client after a commit was made but before its answer left, check what
// the emulator holds between two requests, and so on.

// Phase is the point of a request at which a Hook is called.
type Phase int

const (
	// BeforeWork: the request has arrived (its headers read); nothing of
	// it has been done yet: no latency, no fault drawn, body not read.
	BeforeWork Phase = iota
	// AfterWork: the route did its work (sessions opened, data appended,
	// files committed) and is about to answer; nothing of the answer has
	// reached the client yet. Also called for an error answer, whatever
	// the status. Not called when a reset fault drops the connection
	// without an answer.
	AfterWork
)

// String names the phase for test logs.
func (p Phase) String() string {
	switch p {
	case BeforeWork:
		return "before-work"
	case AfterWork:
		return "after-work"
	}
	return "unknown phase"
}

// Event is one call of a Hook.
type Event struct {
	Route  string // the API route, e.g. "files/upload_session/finish_batch_v2"
	Phase  Phase
	Status int // the HTTP status about to be sent (AfterWork only)
	// Ctx is the request's context: done once the client has gone (a
	// hook that holds a request can let it go then).
	Ctx context.Context
}

// Hook is called for every /2/ API request, at each Phase, from the
// request's goroutine: many calls may run at once, and the request waits
// for the hook to return. A hook may panic with http.ErrAbortHandler to
// drop the connection at that point (at BeforeWork: the request is never
// done; at AfterWork: it is done, its answer is lost).
type Hook func(Event)

// hooked calls the hook at BeforeWork and returns the writer that calls it
// at AfterWork; without a hook it returns w as is.
func (s *Server) hooked(w http.ResponseWriter, r *http.Request, route string) http.ResponseWriter {
	h := s.opts.Hook
	if h == nil {
		return w
	}
	h(Event{Route: route, Phase: BeforeWork, Ctx: r.Context()})
	return &hookWriter{ResponseWriter: w, hook: h, route: route, ctx: r.Context()}
}

// hookWriter calls the hook once, when the answer starts: before its
// status line is written.
type hookWriter struct {
	http.ResponseWriter
	hook   Hook
	route  string
	ctx    context.Context
	called bool
}

func (w *hookWriter) answering(status int) {
	if !w.called {
		w.called = true
		w.hook(Event{Route: w.route, Phase: AfterWork, Status: status, Ctx: w.ctx})
	}
}

func (w *hookWriter) WriteHeader(code int) {
	w.answering(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *hookWriter) Write(p []byte) (int, error) {
	w.answering(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *hookWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
