package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"
)

// union is a Stone tagged union as Dropbox writes it: {".tag": tag, fields…},
// with ".tag" first and the fields in the order given.
type union struct {
	Tag    string
	Fields []field
}

type field struct {
	Key string
	Val any
}

// u builds a union from a tag and key/value pairs.
func u(tag string, kv ...any) union {
	x := union{Tag: tag}
	for i := 0; i+1 < len(kv); i += 2 {
		x.Fields = append(x.Fields, field{kv[i].(string), kv[i+1]})
	}
	return x
}

// MarshalJSON writes the union with ".tag" first.
func (x union) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{".tag":`)
	t, _ := marshal(x.Tag)
	b.Write(t)
	for _, f := range x.Fields {
		k, _ := marshal(f.Key)
		v, err := marshal(f.Val)
		if err != nil {
			return nil, err
		}
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// summary is the tag path of the union, as in error_summary: the tag, then
// the summary of the value stored under the tag (or under "reason", as in
// UploadWriteFailed).
func (x union) summary() string {
	for _, key := range []string{x.Tag, "reason"} {
		for _, f := range x.Fields {
			if f.Key == key {
				if inner, ok := f.Val.(union); ok {
					return x.Tag + "/" + inner.summary()
				}
			}
		}
	}
	return x.Tag
}

// marshal is json.Marshal without HTML escaping, as Dropbox writes JSON.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
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
	Summary string `json:"error_summary"`
	Error   union  `json:"error"`
}

// writeEndpointError answers 409 with an endpoint-specific error, as
// Dropbox does: {"error_summary": "path/not_found/..", "error": {…}}.
func writeEndpointError(w http.ResponseWriter, e union) {
	writeJSON(w, http.StatusConflict, endpointError{Summary: e.summary() + "/..", Error: e})
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
func writeAuthError(w http.ResponseWriter, e union) {
	writeJSON(w, http.StatusUnauthorized, endpointError{Summary: e.summary() + "/", Error: e})
}

// rateLimitBody is the body of a 429 answer.
type rateLimitBody struct {
	Summary string `json:"error_summary"`
	Error   struct {
		Reason     union `json:"reason"`
		RetryAfter int64 `json:"retry_after"`
	} `json:"error"`
}

// writeRateLimit answers 429 with a RateLimitError whose reason is
// too_many_requests or too_many_write_operations, and Retry-After.
func writeRateLimit(w http.ResponseWriter, reason string, retryAfter int64) {
	var b rateLimitBody
	b.Summary = reason + "/.."
	b.Error.Reason = u(reason)
	b.Error.RetryAfter = retryAfter
	w.Header().Set("Retry-After", strconv.FormatInt(retryAfter, 10))
	writeJSON(w, http.StatusTooManyRequests, b)
}

// headerSafeJSON encodes v as JSON that can travel in an HTTP header:
// every character at or above U+007F is written as \uXXXX (with UTF-16
// surrogate pairs above U+FFFF), as Dropbox does for Dropbox-API-Result.
func headerSafeJSON(v any) (string, error) {
	b, err := marshal(v)
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
