package emulator

import (
	"fmt"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// files/create_folder_v2 and files/delete_v2.

// checkWritePath answers 400 unless p has the form of a path to write.
func (c *call) checkWritePath(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "id:") || strings.HasPrefix(p, "ns:") {
		return true
	}
	c.bad(fmt.Sprintf("request body: path: '%s' did not match pattern '%s'", p, writePathPattern))
	return false
}

// readPathPattern is the pattern Dropbox checks paths to read against.
const readPathPattern = `(/(.|[\r\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/.*)?)`

// checkReadPath answers 400 unless p has the form of a path to look up.
func (c *call) checkReadPath(p string) bool {
	if strings.HasPrefix(p, "rev:") || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "id:") || strings.HasPrefix(p, "ns:") {
		return true
	}
	c.bad(fmt.Sprintf("request body: path: '%s' did not match pattern '%s'", p, readPathPattern))
	return false
}

// readPathArg decodes an argument (v) whose field path names an entry to
// read, and checks the path's form.
func (c *call) readPathArg(v any, path **string) (string, bool) {
	if !c.decode(v) || !c.required("path", *path != nil) || !c.checkReadPath(**path) {
		return "", false
	}
	return **path, true
}

// commit runs one change under the account's write lock and answers: 429
// when it meets another commit or a locked namespace, 500 when the disk
// fails, 409 with the endpoint error, or 200 with the result.
func (c *call) commit(change func() (any, *store.Union, error)) {
	release, why := c.s.gate.enter()
	if why != uncontended {
		c.contended()
		return
	}
	res, e, err := change()
	release()
	c.answer(res, e, err)
}

func (s *Server) createFolder(c *call) {
	var arg struct {
		Path       *string `json:"path"`
		Autorename bool    `json:"autorename"`
	}
	if !c.decode(&arg) || !c.required("path", arg.Path != nil) || !c.checkWritePath(*arg.Path) {
		return
	}
	c.commit(func() (any, *store.Union, error) {
		meta, werr, err := s.store.CreateFolder(*arg.Path, arg.Autorename)
		if werr != nil {
			e := store.U("path", "path", *werr)
			return nil, &e, err
		}
		return map[string]store.FolderMetadata{"metadata": meta}, nil, err
	})
}

func (s *Server) delete(c *call) {
	var arg struct {
		Path      *string `json:"path"`
		ParentRev string  `json:"parent_rev"`
	}
	if !c.decode(&arg) || !c.required("path", arg.Path != nil) || !c.checkWritePath(*arg.Path) {
		return
	}
	c.commit(func() (any, *store.Union, error) {
		meta, derr, err := s.store.DeletePath(*arg.Path, arg.ParentRev)
		return map[string]any{"metadata": meta}, derr, err
	})
}
