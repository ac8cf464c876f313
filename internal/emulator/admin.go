package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// The test helpers, over HTTP, for an emulator started as a separate
// process (scripts, benchmarks). They are not Dropbox routes: no token,
// no faults, not counted in the stats.
//
//	GET  /emulator/stats           Stats as JSON
//	POST /emulator/stats/reset     set the counters to zero
//	POST /emulator/expire-tokens   every access token answers expired_access_token
//	POST /emulator/tokens          {"access_token": T} adds T (never expires); without T one is made; answers {"access_token": …}
//	POST /emulator/refresh-tokens  {"client_id": K, "scope": "a b"} answers {"refresh_token": …}
//	POST /emulator/revoke          {"refresh_token": T} revokes T (404 if unknown)
//	POST /emulator/reset-cursors   every list_folder cursor given so far answers 409 reset
//	POST /emulator/expire-sessions every upload session opened so far answers not_found
//	POST /emulator/contend         {"for": "30s"} locks the namespace: commits fail with
//	                               too_many_write_operations (Limits.ContentionShape)
//	POST /emulator/documents       {"path": P} puts at P a document that cannot be downloaded
//	                               (Answers.Documents); answers its FileInfo
//	POST /emulator/restricted      {"path": P} puts at P a file whose download is refused with
//	                               path/restricted_content (Answers.Restricted); answers its FileInfo
//	GET  /emulator/files           every file: path, size, content hash, rev, id
//	GET  /emulator/file?path=P     the content of P; its FileInfo in the Emulator-File header
//	POST /emulator/sink            receives a body as upload data is received (its content hash
//	                               computed, 4 MiB block by block) and throws it away; answers
//	                               {"bytes": N, "content_hash": H}; with ?hash=false only reads it.
//	                               Benchmarks compare transfers with one raw POST stream.
//
// Bodies may be JSON or form-encoded.

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/emulator/")
	method, known := adminMethods[name]
	switch {
	case !known:
		http.NotFound(w, r)
		return
	case r.Method != method:
		w.Header().Set("Allow", method)
		writeText(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if name == "sink" {
		s.sink(w, r)
		return
	}
	params, err := adminParams(r)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	switch name {
	case "stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "stats/reset":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case "expire-tokens":
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	case "reset-cursors":
		s.ResetCursors()
		w.WriteHeader(http.StatusNoContent)
	case "expire-sessions":
		s.ExpireSessions()
		w.WriteHeader(http.StatusNoContent)
	case "contend":
		d, err := time.ParseDuration(params["for"])
		if err != nil || d <= 0 {
			writeText(w, http.StatusBadRequest, "for: give a positive duration such as 30s")
			return
		}
		s.Contend(d)
		w.WriteHeader(http.StatusNoContent)
	case "documents", "restricted":
		put := s.PutDocument
		if name == "restricted" {
			put = func(p string) (FileInfo, error) { return s.PutRestricted(p, []byte("restricted\n")) }
		}
		if err := (Answers{Documents: []string{params["path"]}}).validate(); err != nil {
			writeText(w, http.StatusBadRequest, "path: "+err.Error())
			return
		}
		info, err := put(params["path"])
		if err != nil {
			writeText(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, info)
	case "tokens":
		tok := params["access_token"]
		if tok == "" {
			tok = "emu-" + store.RandomToken(24)
		}
		s.AddToken(tok)
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
	case "refresh-tokens":
		rt, err := s.NewRefreshToken(params["client_id"], strings.Fields(params["scope"])...)
		if err != nil {
			writeText(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"refresh_token": rt})
	case "revoke":
		ok, err := s.RevokeRefreshToken(params["refresh_token"])
		switch {
		case err != nil:
			writeText(w, http.StatusInternalServerError, err.Error())
		case !ok:
			writeText(w, http.StatusNotFound, "no such refresh token")
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	case "files":
		writeJSON(w, http.StatusOK, s.Files())
	case "file":
		info, data, err := s.File(r.URL.Query().Get("path"))
		if err != nil {
			writeText(w, http.StatusNotFound, err.Error())
			return
		}
		hdr, _ := headerSafeJSON(info)
		w.Header().Set("Emulator-File", hdr)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(data)
	}
}

// adminMethods are the helper endpoints and their methods.
var adminMethods = map[string]string{
	"stats": http.MethodGet, "files": http.MethodGet, "file": http.MethodGet, "sink": http.MethodPost,
	"stats/reset": http.MethodPost, "expire-tokens": http.MethodPost, "tokens": http.MethodPost,
	"refresh-tokens": http.MethodPost, "revoke": http.MethodPost, "reset-cursors": http.MethodPost,
	"expire-sessions": http.MethodPost, "contend": http.MethodPost,
	"documents": http.MethodPost, "restricted": http.MethodPost,
}

// adminParams reads a JSON object or a form.
func adminParams(r *http.Request) (map[string]string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, errors.New("body: expected a JSON object of strings")
		}
		return out, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k := range r.Form {
		out[k] = r.Form.Get(k)
	}
	return out, nil
}

// FileInfo describes a file the emulator holds.
type FileInfo = store.FileInfo

// Files returns every stored file, sorted by path.
func (s *Server) Files() []FileInfo { return s.store.Files() }

// File returns a file's description and content; path is matched without
// regard to case.
func (s *Server) File(path string) (FileInfo, []byte, error) { return s.store.File(path) }

// sink answers POST /emulator/sink: one raw stream received as the
// emulator receives upload data, without storing it.
func (s *Server) sink(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("hash") == "false" {
		n, err := io.Copy(io.Discard, r.Body)
		if err == nil {
			writeJSON(w, http.StatusOK, map[string]int64{"bytes": n})
		}
		return
	}
	buf := make([]byte, store.HashBlockSize)
	var digests []store.Digest
	var n int64
	for {
		k, err := io.ReadFull(r.Body, buf)
		n += int64(k)
		digests = append(digests, store.BlockDigests(buf[:k])...)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bytes": n, "content_hash": store.JoinDigests(digests)})
}
