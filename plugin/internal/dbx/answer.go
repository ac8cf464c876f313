package dbx

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A server that is not Dropbox (a wrong --api-url, something between the
// client and Dropbox, or a hostile server) can answer anything. What
// Dropbox's API never answers is refused here, before it costs time,
// memory or a credential: the request is not retried, and the error has
// exit code exit.Protocol.

// AnswerError is an answer that Dropbox's API never gives: a redirect, or
// an answer larger than any of Dropbox's.
type AnswerError struct {
	Host string // the host that answered, as contacted
	What string // what it answered; any text of the server's is quoted
}

func (e *AnswerError) Error() string { return fmt.Sprintf("the server at %q %s", e.Host, e.What) }

// unexpectedFix is what to do about an answer Dropbox never gives.
const unexpectedFix = "Dropbox's API never answers that; check --api-url or DROPBOX_API_URL if set, or what stands between this machine and Dropbox (a proxy)"

// Unexpected returns the error for an answer Dropbox never gives, found
// by the caller (a listing that repeats itself, a size no file has…):
// what says what was asked and what came back, quoting the server's text.
func Unexpected(what string) error {
	return exit.New(exit.Protocol, what, unexpectedFix)
}

// redirected is the error for a redirect (any 3xx answer) from the server
// at from. Dropbox's API never redirects; following one would send the
// request, with its credential, wherever the server chose, even in clear.
func redirected(from *url.URL, resp *http.Response) error {
	to := "nowhere (no Location)"
	if loc := resp.Header.Get("Location"); loc != "" {
		u, err := from.Parse(loc)
		switch {
		case err != nil:
			to = fmt.Sprintf("%q (not a URL)", Clip(loc))
		case u.Scheme == "http" || u.Scheme == "https":
			to = fmt.Sprintf("%q", u.Scheme+"://"+u.Host)
		default:
			to = fmt.Sprintf("%q", Clip(redactURL(loc)))
		}
	}
	return &AnswerError{Host: from.Host, What: fmt.Sprintf("answered with a redirect (HTTP %d) to %s: not followed, nothing was sent there", resp.StatusCode, to)}
}

// maxServerText is the most of a text from a server (an error summary, an
// error body) that a message shows.
const maxServerText = 1 << 10

// Clip returns a text from a server cut to 1 KiB (at a character
// boundary, marked with "…"), for a message that quotes it.
func Clip(s string) string {
	if len(s) <= maxServerText {
		return s
	}
	cut := maxServerText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// firstLine returns the first line of a body (plain text, HTML), marked
// with "…" when there is more.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

// The largest answers read: maxAnswer for a successful answer in JSON (a
// page of list_folder holds up to 2000 entries, about 1 MiB at most),
// maxErrorAnswer for any other (Dropbox's errors are a few hundred bytes).
// Variables so that tests can shrink them.
var (
	maxAnswer      int64 = 16 << 20
	maxErrorAnswer int64 = 1 << 20
)

// isDownload reports whether a request is in the download style, whose
// successful answer is a file's content (of any size) rather than JSON:
// its argument goes in the Dropbox-API-Arg header and it has no body.
// (Upload-style requests have a body, RPC requests no such header.)
func isDownload(req *http.Request) bool {
	return req.Header.Get("Dropbox-API-Arg") != "" && (req.Body == nil || req.Body == http.NoBody)
}

// capAnswer limits the body of every answer but a download's content to
// its cap, so that no answer is read into memory beyond it: a longer one
// fails with an *AnswerError, whether its length was announced or not.
func capAnswer(req *http.Request, resp *http.Response) error {
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if ok && isDownload(req) {
		return nil
	}
	limit := maxErrorAnswer
	if ok {
		limit = maxAnswer
	}
	b := &cappedBody{ReadCloser: resp.Body, left: limit, err: &AnswerError{Host: req.URL.Host,
		What: fmt.Sprintf("answered %s with more than %s (HTTP %d), more than Dropbox ever sends: not read", routeOf(req), sizeText(limit), resp.StatusCode)}}
	if resp.ContentLength > limit {
		b.Close()
		return b.err
	}
	resp.Body = b
	return nil
}

// cappedBody fails a body that goes beyond left bytes.
type cappedBody struct {
	io.ReadCloser
	left int64
	err  error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte more tells that it is too long
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return 0, b.err
	}
	return n, err
}

// voidRoutes are the routes called here whose result is void: Dropbox
// answers them with null. (Other void routes of the API are not called.)
var voidRoutes = map[string]bool{"files/upload_session/append_v2": true, "files/upload_session/append": true}

// checkShape refuses a successful answer in JSON that is not a JSON object
// where Dropbox sends one (every route called here but the void ones):
// the SDK would take a null for an empty result, and the code reading it
// would fail on nothing. resp's body has been read whole.
func checkShape(req *http.Request, resp *http.Response) error {
	data := resp.Body.(*wholeBody).data
	if resp.StatusCode < 200 || resp.StatusCode > 299 || voidRoutes[routeOf(req)] || strings.HasPrefix(req.URL.Path, "/oauth2/") {
		return nil
	}
	if text := bytes.TrimSpace(data); len(text) == 0 || text[0] != '{' {
		host := req.URL.Host
		if resp.Request != nil { // the request as sent, to --api-url's host
			host = resp.Request.URL.Host
		}
		return &AnswerError{Host: host, What: fmt.Sprintf("answered %s with %q, where Dropbox sends a JSON object", routeOf(req), Clip(string(text)))}
	}
	return nil
}

// routeOf names a request's route for messages ("files/list_folder").
func routeOf(req *http.Request) string {
	return strings.TrimPrefix(req.URL.Path, "/2/")
}

// sizeText writes a power-of-two size: "16 MiB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
