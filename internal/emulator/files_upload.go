package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// maxPayload is the most data one upload or session request may carry
// (150 MiB, as Dropbox).
const maxPayload = 150 << 20

// writePathPattern is the pattern Dropbox checks paths to write against.
const writePathPattern = `(/(.|[\r\n])*)|(ns:[0-9]+(/.*)?)|(id:.*)`

var revPattern = regexp.MustCompile(`^[0-9a-f]{9,}$`)

// writeMode is files/WriteMode: "add", "overwrite", or {".tag": "update",
// "update": rev}; a bare string is accepted for the void members.
type writeMode struct {
	Tag    string
	Update string
}

func (m *writeMode) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Tag)
	}
	var w struct {
		Tag    string `json:".tag"`
		Update string `json:"update"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	m.Tag, m.Update = w.Tag, w.Update
	return nil
}

// commitInfo is files/CommitInfo as clients send it.
type commitInfo struct {
	Path           *string    `json:"path"`
	Mode           *writeMode `json:"mode"`
	Autorename     bool       `json:"autorename"`
	ClientModified *string    `json:"client_modified"`
	Mute           bool       `json:"mute"`
	StrictConflict bool       `json:"strict_conflict"`
}

// toCommit checks a CommitInfo and turns it into a fileCommit (without
// content), answering 400 when it is malformed.
func (c *call) toCommit(ci *commitInfo, prefix string) (store.FileCommit, bool) {
	if ci == nil {
		c.bad(fmt.Sprintf("request body: %smissing required field 'commit'", prefix))
		return store.FileCommit{}, false
	}
	if ci.Path == nil {
		c.bad(fmt.Sprintf("request body: %smissing required field 'path'", prefix))
		return store.FileCommit{}, false
	}
	p := *ci.Path
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "id:") && !strings.HasPrefix(p, "ns:") {
		c.bad(fmt.Sprintf("request body: %spath: '%s' did not match pattern '%s'", prefix, p, writePathPattern))
		return store.FileCommit{}, false
	}
	fc := store.FileCommit{Path: p, Mode: "add", Autorename: ci.Autorename, Strict: ci.StrictConflict}
	if ci.Mode != nil {
		switch ci.Mode.Tag {
		case "add", "overwrite":
			fc.Mode = ci.Mode.Tag
		case "update":
			if !revPattern.MatchString(ci.Mode.Update) {
				c.bad(fmt.Sprintf("request body: %smode: update: '%s' did not match pattern '[0-9a-f]+'", prefix, ci.Mode.Update))
				return store.FileCommit{}, false
			}
			fc.Mode, fc.Rev = "update", ci.Mode.Update
		default:
			c.bad(fmt.Sprintf("request body: %smode: unknown tag '%s'", prefix, ci.Mode.Tag))
			return store.FileCommit{}, false
		}
	}
	if ci.ClientModified != nil {
		t, err := time.Parse(store.TimeFormat, *ci.ClientModified)
		if err != nil {
			c.bad(fmt.Sprintf("request body: %sclient_modified: time data '%s' does not match format '%%Y-%%m-%%dT%%H:%%M:%%SZ'", prefix, *ci.ClientModified))
			return store.FileCommit{}, false
		}
		fc.ClientModified = &t
	}
	return fc, true
}

// errTooLarge reports a request body over maxPayload.
var errTooLarge = errors.New("payload too large")

// readChunk reads the request body (at most maxPayload bytes) into memory
// and returns it with its content hash. A larger body is drained and
// refused with errTooLarge.
func (c *call) readChunk() ([]byte, string, error) {
	body := c.r.Body
	var data []byte
	var err error
	if n := c.r.ContentLength; n >= 0 && n <= maxPayload {
		data = make([]byte, n)
		_, err = io.ReadFull(body, data)
		if err == nil {
			var extra [1]byte
			if m, _ := body.Read(extra[:]); m > 0 {
				err = errors.New("body longer than Content-Length")
			}
		}
	} else {
		data, err = io.ReadAll(io.LimitReader(body, maxPayload+1))
	}
	if err != nil {
		return nil, "", err
	}
	if len(data) > maxPayload || c.r.ContentLength > maxPayload {
		_, _ = io.Copy(io.Discard, body)
		return nil, "", errTooLarge
	}
	c.blocks = store.BlockDigests(data)
	return data, store.JoinDigests(c.blocks), nil
}

// receiveFile reads the body of files/upload into a blob: in memory, or
// streamed to a file that is synced and published.
func (c *call) receiveFile() (store.Blob, string, error) {
	bs := c.s.store.Blobs
	if bs.Memory() {
		data, hash, err := c.readChunk()
		if err != nil {
			return nil, "", err
		}
		return store.NewMemBlob(data), hash, nil
	}
	if c.r.ContentLength > maxPayload {
		_, _ = io.Copy(io.Discard, c.r.Body)
		return nil, "", errTooLarge
	}
	f, id, err := bs.Create()
	if err != nil {
		return nil, "", err
	}
	h := store.NewHasher()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(c.r.Body, maxPayload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxPayload {
		_, _ = io.Copy(io.Discard, c.r.Body)
		err = errTooLarge
	}
	if err != nil {
		_ = os.Remove(bs.TmpPath(id))
		return nil, "", err
	}
	fb, err := bs.Publish(id, n)
	if err != nil {
		_ = os.Remove(bs.TmpPath(id))
		return nil, "", err
	}
	return fb, h.HexDigest(), nil
}

// files/upload.
func (s *Server) upload(c *call) {
	var arg struct {
		commitInfo
		ContentHash string `json:"content_hash"`
	}
	if !c.decode(&arg) {
		return
	}
	fc, ok := c.toCommit(&arg.commitInfo, "")
	if !ok {
		return
	}
	content, hash, err := c.receiveFile()
	switch {
	case errors.Is(err, errTooLarge):
		c.fail(store.U("payload_too_large"))
		return
	case err != nil:
		c.internal(err)
		return
	}
	if arg.ContentHash != "" && arg.ContentHash != hash {
		s.store.Blobs.Discard(content)
		c.fail(store.U("content_hash_mismatch"))
		return
	}
	fc.Content, fc.Hash = content, hash
	release, why := s.gate.enter()
	if why != uncontended {
		c.contendedUpload(why, content, hash)
		return
	}
	res, err := s.store.CommitFiles([]store.FileCommit{fc})
	release()
	if err != nil {
		s.store.Blobs.Discard(content)
		c.internal(err)
		return
	}
	if w := res[0].WriteError; w != nil {
		s.store.Blobs.Discard(content)
		c.fail(store.U("path", "reason", *w, "upload_session_id", store.NewSessionID()))
		return
	}
	c.ok(s.committed(res[0].Meta))
}
