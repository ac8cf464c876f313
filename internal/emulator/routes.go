package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// style is how a route carries its argument and result, as in Dropbox's
// API: RPC (JSON body both ways), upload (argument in Dropbox-API-Arg, data
// in the body, JSON result) and download (argument in Dropbox-API-Arg,
// result in Dropbox-API-Result, data in the body).
type style int

const (
	rpcStyle style = iota
	uploadStyle
	downloadStyle
)

// route is one API function.
type route struct {
	name    string
	style   style
	scope   string // required OAuth scope
	noArg   bool   // takes no argument (a null or empty body is fine)
	handler func(c *call)
}

func (s *Server) routeTable() map[string]*route {
	list := []*route{
		{name: "files/upload", style: uploadStyle, scope: "files.content.write", handler: s.upload},
		{name: "files/upload_session/start", style: uploadStyle, scope: "files.content.write", handler: s.sessionStart},
		{name: "files/upload_session/start_batch", scope: "files.content.write", handler: s.sessionStartBatch},
		{name: "files/upload_session/append_v2", style: uploadStyle, scope: "files.content.write", handler: s.sessionAppend},
		{name: "files/upload_session/append_batch", style: uploadStyle, scope: "files.content.write", handler: s.sessionAppendBatch},
		{name: "files/upload_session/finish", style: uploadStyle, scope: "files.content.write", handler: s.sessionFinish},
		{name: "files/upload_session/finish_batch_v2", scope: "files.content.write", handler: s.sessionFinishBatch},
		{name: "files/upload_session/finish_batch", scope: "files.content.write", handler: s.sessionFinishBatchV1},
		{name: "files/upload_session/finish_batch/check", scope: "files.content.write", handler: s.sessionFinishBatchCheck},
		{name: "files/get_metadata", scope: "files.metadata.read", handler: s.getMetadata},
		{name: "files/list_folder", scope: "files.metadata.read", handler: s.listFolder},
		{name: "files/list_folder/continue", scope: "files.metadata.read", handler: s.listFolderContinue},
		{name: "files/create_folder_v2", scope: "files.content.write", handler: s.createFolder},
		{name: "files/delete_v2", scope: "files.content.write", handler: s.delete},
		{name: "files/download", style: downloadStyle, scope: "files.content.read", handler: s.download},
		{name: "users/get_current_account", scope: "account_info.read", noArg: true, handler: s.currentAccount},
		{name: "users/get_space_usage", scope: "account_info.read", noArg: true, handler: s.spaceUsage},
		{name: "sharing/create_shared_link_with_settings", scope: "sharing.write", handler: s.createSharedLink},
		{name: "sharing/list_shared_links", scope: "sharing.read", handler: s.listSharedLinks},
		{name: "check/user", scope: "account_info.read", handler: s.checkUser},
		{name: "auth/token/revoke", noArg: true, handler: s.revokeToken},
	}
	m := make(map[string]*route, len(list))
	for _, r := range list {
		m[r.name] = r
		s.stats.route(r.name)
	}
	return m
}

// call is one API request being answered.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	route  *route
	arg    []byte         // the JSON argument
	token  string         // the access token used
	blocks []store.Digest // block digests of the data read by readChunk
}

// maxRPCBody bounds an RPC request body (a finish_batch_v2 of 1000 entries
// is well under this).
const maxRPCBody = 16 << 20

// serveAPI answers one /2/ request: stats, latency, faults, then the
// checks Dropbox makes (method, Content-Type, authorization, argument),
// then the route.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rt *route) {
	rc := s.stats.route(rt.name)
	rc.request()
	mw := s.measure(w, r, rt.name, rc)
	defer mw.done()
	w = mw
	var rec *recorder
	if s.opts.Record != nil {
		rec = &recorder{ResponseWriter: mw, route: rt}
		w = rec
		defer rec.report(s.opts.Record)
	}
	w = s.noisy(w)

	if !s.sleep(r, s.opts.Latency) {
		return
	}
	if s.refuseHeaders(w, r, rt) {
		return
	}
	if s.injectFault(w, r, rt) {
		return
	}
	c := &call{s: s, w: w, r: r, route: rt}
	if !c.checkMethod() || !c.checkContentType() || !c.authorize() || !c.readArg() || !c.strictBody() {
		return
	}
	if rec != nil {
		rec.arg = c.arg
	}
	release, ok := c.admitListing()
	if !ok {
		return
	}
	defer release()
	rt.handler(c)
}

// sleep waits d unless the client goes away; it reports whether to go on.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (c *call) bad(msg string) { writeBadRequest(c.w, c.route.name, msg) }

// fail answers 409 with an endpoint error.
func (c *call) fail(e store.Union) { writeEndpointError(c.w, e) }

// ok answers 200 with a JSON result (RPC and upload routes).
func (c *call) ok(v any) { writeJSON(c.w, http.StatusOK, v) }

// answer answers 500 when err is set (the emulator failed), 409 with e
// when it is set, else 200 with res.
func (c *call) answer(res any, e *store.Union, err error) {
	switch {
	case err != nil:
		c.internal(err)
	case e != nil:
		c.fail(*e)
	default:
		c.ok(res)
	}
}

// internal answers 500 after a failure of the emulator itself (disk).
func (c *call) internal(err error) {
	writeText(c.w, http.StatusInternalServerError, "Internal Server Error: "+err.Error())
}

func (c *call) checkMethod() bool {
	if c.r.Method == http.MethodPost || (c.route.style == downloadStyle && c.r.Method == http.MethodGet) {
		return true
	}
	c.w.Header().Set("Allow", "POST")
	writeText(c.w, http.StatusMethodNotAllowed, "Method Not Allowed")
	return false
}

// checkContentType applies Dropbox's Content-Type rules: RPC wants JSON
// (an empty body may come without a type), upload wants octet-stream.
func (c *call) checkContentType() bool {
	ct := c.r.Header.Get("Content-Type")
	var want []string
	switch c.route.style {
	case rpcStyle:
		if ct == "" && c.r.ContentLength <= 0 {
			return true
		}
		want = []string{"application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack"}
	case uploadStyle:
		want = []string{"application/octet-stream", "text/plain; charset=dropbox-cors-hack"}
	default:
		return true
	}
	if mediaTypeIn(ct, want) {
		return true
	}
	quoted := make([]string, len(want))
	for i, w := range want {
		quoted[i] = fmt.Sprintf("%q", w)
	}
	c.bad(fmt.Sprintf("Bad HTTP \"Content-Type\" header: %q.  Expecting one of %s.", ct, strings.Join(quoted, ", ")))
	return false
}

// mediaTypeIn reports whether ct is one of want (application/octet-stream
// may carry parameters).
func mediaTypeIn(ct string, want []string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	for _, w := range want {
		wmt, wparams, _ := mime.ParseMediaType(w)
		if mt != wmt {
			continue
		}
		if mt == "application/octet-stream" {
			return true
		}
		if len(params) == len(wparams) && strings.EqualFold(params["charset"], wparams["charset"]) {
			return true
		}
	}
	return false
}

// readArg reads the JSON argument: the body of an RPC call, or the
// Dropbox-API-Arg header (or "arg" URL parameter) of an upload or download
// call.
func (c *call) readArg() bool {
	if c.route.style == rpcStyle {
		body, err := io.ReadAll(io.LimitReader(c.r.Body, maxRPCBody+1))
		if err != nil {
			return false // the client went away
		}
		if len(body) > maxRPCBody {
			c.bad("request body: too large")
			return false
		}
		body = bytes.TrimSpace(body)
		if len(body) == 0 || string(body) == "null" {
			if !c.route.noArg {
				c.bad("request body: could not decode input as JSON")
				return false
			}
			body = []byte("null")
		}
		c.arg = body
	} else {
		arg := c.r.Header.Get("Dropbox-API-Arg")
		src := `HTTP header "Dropbox-API-Arg"`
		if arg == "" {
			arg, src = c.r.URL.Query().Get("arg"), `URL parameter "arg"`
		}
		if arg == "" {
			arg = "{}"
		}
		// Dropbox asks for \uXXXX escapes ("HTTP header safe" JSON) but
		// takes raw UTF-8 too, as some SDKs send it; not invalid UTF-8.
		if !utf8.ValidString(arg) {
			c.bad(src + ": could not decode input as JSON")
			return false
		}
		if !c.asciiArg(arg, src) {
			return false
		}
		c.arg = []byte(arg)
	}
	if !json.Valid(c.arg) {
		c.bad("request body: could not decode input as JSON")
		return false
	}
	return c.nonBMPArg()
}

// decode unmarshals the argument into v, answering 400 when it does not
// fit.
func (c *call) decode(v any) bool {
	if err := json.Unmarshal(c.arg, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			c.bad(fmt.Sprintf("request body: %s: expected %s, got %s", te.Field, te.Type, te.Value))
		} else {
			c.bad("request body: could not decode input as JSON")
		}
		return false
	}
	return true
}

// required answers 400 when a required field is missing.
func (c *call) required(name string, present bool) bool {
	if !present {
		c.bad(fmt.Sprintf("request body: missing required field '%s'", name))
	}
	return present
}
