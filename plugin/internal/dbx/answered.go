package dbx

import (
	"context"
	"net/http"
)

// answeredKey is the context key of a request's WithAnswered function.
type answeredKey struct{}

// WithAnswered returns a context whose requests show fn the body of a
// successful answer (HTTP 200, read whole), before the SDK decodes it. fn
// is called once an answer is final (no retry follows), from the goroutine
// that made the request, and must not keep body beyond its call. It lets
// a caller act on an answer while the SDK is still decoding it (package
// remote asks for a listing's next page at once); what it reads there is
// a hint, to be checked against the SDK's decoded answer.
func WithAnswered(ctx context.Context, fn func(body []byte)) context.Context {
	return context.WithValue(ctx, answeredKey{}, fn)
}

// showAnswered gives the body of resp, read whole, to the function of
// req's context, if any (WithAnswered).
func showAnswered(req *http.Request, resp *http.Response) {
	fn, _ := req.Context().Value(answeredKey{}).(func([]byte))
	if fn == nil || resp.StatusCode != http.StatusOK {
		return
	}
	if b, ok := resp.Body.(*wholeBody); ok {
		fn(b.data)
	}
}

// quietKey is the context key of WithQuietConnect.
type quietKey struct{}

// WithQuietConnect returns a context whose requests, when they cannot
// connect, fail at once: not said on stderr, not counted against the
// network timeout, not tried again; failed is called then (from the
// request's goroutine). It is for work begun early on a hint (push lists
// Dropbox while the local folder is scanned), whose caller does it again
// in the open if it is still wanted: a push that the scan refuses does not
// first say that Dropbox cannot be reached.
func WithQuietConnect(ctx context.Context, failed func()) context.Context {
	return context.WithValue(ctx, quietKey{}, failed)
}

// quietConnect returns the function of WithQuietConnect, or nil.
func quietConnect(ctx context.Context) func() {
	f, _ := ctx.Value(quietKey{}).(func())
	return f
}
