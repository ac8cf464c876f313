package emulator

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := store.Marshal(v)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// endpointError is the body of an HTTP 409 answer.
type endpointError struct {
	Summary string      `json:"error_summary"`
	Error   store.Union `json:"error"`
}

// writeEndpointError answers 409 with an endpoint-specific error, as
// Dropbox does: {"error_summary": "path/not_found/..", "error": {…}}.
func writeEndpointError(w http.ResponseWriter, e store.Union) {
	writeJSON(w, http.StatusConflict, endpointError{Summary: e.Summary() + "/..", Error: e})
}

// writeBadRequest answers 400 with Dropbox's plain-text message for a
// malformed call.
func writeBadRequest(w http.ResponseWriter, route, msg string) {
	writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: %s", route, msg))
}

func writeText(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

// writeAuthError answers 401 with an AuthError union.
func writeAuthError(w http.ResponseWriter, e store.Union) {
	writeJSON(w, http.StatusUnauthorized, endpointError{Summary: e.Summary() + "/", Error: e})
}

// rateLimitBody is the body of a 429 answer.
type rateLimitBody struct {
	Summary string `json:"error_summary"`
	Error   struct {
		Reason     store.Union `json:"reason"`
		RetryAfter int64       `json:"retry_after"`
	} `json:"error"`
}

// writeRateLimit answers 429 with a RateLimitError whose reason is
// too_many_requests or too_many_write_operations, and Retry-After.
func writeRateLimit(w http.ResponseWriter, reason string, retryAfter int64) {
	var b rateLimitBody
	b.Summary = reason + "/.."
	b.Error.Reason = store.U(reason)
	b.Error.RetryAfter = retryAfter
	w.Header().Set("Retry-After", strconv.FormatInt(retryAfter, 10))
	writeJSON(w, http.StatusTooManyRequests, b)
}

// headerSafeJSON encodes v as JSON that can travel in an HTTP header:
// every character at or above U+007F is written as \uXXXX (with UTF-16
// surrogate pairs above U+FFFF), as Dropbox does for Dropbox-API-Result.
func headerSafeJSON(v any) (string, error) {
	b, err := store.Marshal(v)
	if err != nil {
		return "", err
	}
	var s strings.Builder
	s.Grow(len(b))
	for _, r := range string(b) {
		switch {
		case r < 0x7f:
			s.WriteRune(r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&s, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&s, `\u%04x`, r)
		}
	}
	return s.String(), nil
}

// discardLogger keeps net/http quiet about clients that go away, which the
// fault injection makes routine.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
