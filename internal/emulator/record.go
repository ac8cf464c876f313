package emulator

import (
	"bytes"
	"net/http"
)

// Recording: with Options.Record set, every /2/ API request is reported
// once it is answered, with its JSON argument and its answer, so that a
// test can check each shape a client sends and receives against
// Dropbox's spec (Stone types). Upload and download data is not kept.

// Exchange is one API request and its answer.
type Exchange struct {
	Route string `json:"route"` // e.g. "files/upload_session/finish_batch_v2"
	// Style is "rpc", "upload" or "download": where the argument and the
	// result travel.
	Style  string `json:"style"`
	Status int    `json:"status"`
	// Arg is the JSON argument as received (the body of an RPC call, the
	// Dropbox-API-Arg header or "arg" URL parameter of an upload or
	// download call); "" when the request was refused before it was read.
	Arg string `json:"arg"`
	// Result is the answer: the JSON body (a result, or an error for
	// 401/409/429), the Dropbox-API-Result header of a successful
	// download (200, or 206 for a Range), or the text of a 400/500 answer.
	Result      string `json:"result"`
	ContentType string `json:"content_type"`
	RequestID   string `json:"request_id"`
}

// maxRecorded bounds the answer body kept for an exchange.
const maxRecorded = 4 << 20

var styleNames = map[style]string{rpcStyle: "rpc", uploadStyle: "upload", downloadStyle: "download"}

// recorder keeps what an answer carries, for Options.Record.
type recorder struct {
	http.ResponseWriter
	route  *route
	arg    []byte
	status int
	body   bytes.Buffer
	result string // Dropbox-API-Result of a download
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.result = w.Header().Get("Dropbox-API-Result")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	// The data of a successful download is not an answer to check.
	keep := w.route.style != downloadStyle || !downloaded(w.status)
	if keep && w.body.Len()+len(p) <= maxRecorded {
		w.body.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// report calls rec with the exchange, unless the request got no answer
// (a dropped connection).
func (w *recorder) report(rec func(Exchange)) {
	if w.status == 0 {
		return
	}
	e := Exchange{
		Route: w.route.name, Style: styleNames[w.route.style], Status: w.status, Arg: string(w.arg),
		Result: w.body.String(), ContentType: w.Header().Get("Content-Type"),
		RequestID: w.Header().Get("X-Dropbox-Request-Id"),
	}
	if w.route.style == downloadStyle && downloaded(w.status) {
		e.Result = w.result
	}
	rec(e)
}

// downloaded reports whether a download's status means data follows (206:
// a Range).
func downloaded(status int) bool {
	return status == http.StatusOK || status == http.StatusPartialContent
}
