package dbx

import (
	"fmt"
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

// Clip returns the first line of a text from a server, cut to 1 KiB (at a
// character boundary, marked with "…"), for a message that quotes it.
func Clip(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + "…"
	}
	if len(s) <= maxServerText {
		return s
	}
	cut := maxServerText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
