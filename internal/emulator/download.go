package emulator

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// files/download: the metadata in Dropbox-API-Result, the content in the
// body, and HTTP range requests (206 with Content-Range), which parallel
// and resuming downloaders use.

func (s *Server) download(c *call) {
	var arg struct {
		Path *string `json:"path"`
		Rev  string  `json:"rev"`
	}
	p, ok := c.readPathArg(&arg, &arg.Path)
	if !ok {
		return
	}
	meta, r, tag, err := s.store.OpenFile(p, arg.Rev)
	if tag != "" {
		c.fail(store.U("path", "path", store.U(tag)))
		return
	}
	if err != nil {
		c.internal(err)
		return
	}
	defer r.Close()
	if e := s.refusedDownload(meta); e != nil {
		c.fail(*e)
		return
	}

	size := meta.Size
	start, length, status := int64(0), size, http.StatusOK
	if rh := c.r.Header.Get("Range"); rh != "" {
		a, b, ok, satisfiable := parseRange(rh, size)
		if ok && !satisfiable {
			c.fail(store.U("range", "range", store.U("not_satisfiable")))
			return
		}
		if ok {
			start, length, status = a, b-a+1, http.StatusPartialContent
			c.w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", a, b, size))
		}
	}
	result, err := headerSafeJSON(meta)
	if err != nil {
		c.internal(err)
		return
	}
	h := c.w.Header()
	h.Set("Dropbox-API-Result", result)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", `W/"`+meta.Rev+`"`)
	c.w.WriteHeader(status)
	_, _ = io.Copy(c.w, io.NewSectionReader(r, start, length))
}

// parseRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// for content of the given size. ok is false for a header to ignore
// (malformed, or several ranges); satisfiable is false when the range
// lies outside the content. b is inclusive.
func parseRange(h string, size int64) (a, b int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, true, false
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, true, true
	}
	a, err := strconv.ParseInt(first, 10, 64)
	if err != nil || a < 0 {
		return 0, 0, false, false
	}
	b = size - 1
	if last != "" {
		if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
			return 0, 0, false, false
		}
		if b > size-1 {
			b = size - 1
		}
	}
	if a >= size {
		return 0, 0, true, false
	}
	return a, b, true, true
}
