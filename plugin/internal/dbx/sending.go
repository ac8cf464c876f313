package dbx

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// sendingKey is the context key of a request's WithSending function.
type sendingKey struct{}

// WithSending returns a context whose requests tell fn how much of their
// body the connection has taken: +n as it is read, and, when an attempt
// ends (answered, or failed and perhaps tried again), minus what that
// attempt counted. So fn's sum is the bytes on their way that Dropbox has
// not yet answered for; the caller counts them again once confirmed. fn
// is called from the goroutines of the HTTP transport.
func WithSending(ctx context.Context, fn func(delta int64)) context.Context {
	return context.WithValue(ctx, sendingKey{}, fn)
}

// countSending wraps r's body, for one attempt, if its context asks
// (WithSending); the returned function ends the attempt's count.
func countSending(r *http.Request) func() {
	fn, _ := r.Context().Value(sendingKey{}).(func(int64))
	if fn == nil || r.Body == nil || r.Body == http.NoBody {
		return func() {}
	}
	b := &sendingBody{ReadCloser: r.Body, fn: fn}
	r.Body = b
	return b.end
}

// sendingBody counts what is read of a body until its attempt ends: the
// transport may go on reading after it has an answer, and that is not
// counted.
type sendingBody struct {
	io.ReadCloser
	fn    func(int64)
	mu    sync.Mutex
	n     int64
	ended bool
}

func (b *sendingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.mu.Lock()
		if !b.ended {
			b.n += int64(n)
			b.fn(int64(n))
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *sendingBody) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ended && b.n > 0 {
		b.fn(-b.n)
	}
	b.ended = true
}
