package remote

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
)

// A listing's next page is asked for as soon as the page before it has
// arrived, while the SDK is still decoding that page (2,000 entries take
// it 30-50 ms): the cursor is read from the answer's text as it is handed
// to the SDK (dbx.WithAnswered), and list_folder/continue sent with it at
// once. So a listing of many pages costs a round trip a page, not a round
// trip and a decode. The cursor read there is a hint from a server that
// may not be Dropbox: the early answer is used only for the cursor the
// SDK decoded, and otherwise the page is asked for again with that one.
// At most maxAhead early requests are waiting at once, so an answer whose
// text and decoded cursor disagree cannot start a chain of requests.

// maxAhead bounds the early requests waiting to be taken: one for the
// page being decoded and one for the page after it, when an answer comes
// back before its page before was decoded.
const maxAhead = 2

// ahead asks for the pages of one listing early.
type ahead struct {
	c      files.ContextClient
	ctx    context.Context // carries a.answered; cancelled by stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	pending map[string]*early // by cursor
}

// early is a list_folder/continue sent before its cursor was decoded.
type early struct {
	done chan struct{}
	res  *files.ListFolderResult
	err  error
}

func newAhead(ctx context.Context, c files.ContextClient) *ahead {
	a := &ahead{c: c, pending: map[string]*early{}}
	a.ctx, a.cancel = context.WithCancel(dbx.WithAnswered(ctx, a.answered))
	return a
}

// first sends list_folder: its answer, and each answer after it, start
// the next page's request.
func (a *ahead) first(arg *files.ListFolderArg) (*files.ListFolderResult, error) {
	return a.c.ListFolderContext(a.ctx, arg)
}

// next returns the page after the one whose cursor is given: the early
// answer for that cursor if one was asked for, else one asked for now.
func (a *ahead) next(cursor string) (*files.ListFolderResult, error) {
	a.mu.Lock()
	e := a.pending[cursor]
	delete(a.pending, cursor)
	a.mu.Unlock()
	if e == nil {
		return a.c.ListFolderContinueContext(a.ctx, files.NewListFolderContinueArg(cursor))
	}
	<-e.done
	return e.res, e.err
}

// answered reads the cursor of a listing's answer, before the SDK decodes
// it, and asks for the page after it.
func (a *ahead) answered(body []byte) {
	cursor, more := topCursor(body)
	if !more || cursor == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ctx.Err() != nil || len(a.pending) >= maxAhead || a.pending[cursor] != nil {
		return
	}
	e := &early{done: make(chan struct{})}
	a.pending[cursor] = e
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(e.done)
		e.res, e.err = a.c.ListFolderContinueContext(a.ctx, files.NewListFolderContinueArg(cursor))
	}()
}

// stop cancels the early requests not taken and waits for them to end.
func (a *ahead) stop() {
	a.mu.Lock()
	a.cancel()
	a.mu.Unlock()
	a.wg.Wait()
}

// topCursor reads the members cursor and has_more of the JSON object in
// b without decoding the rest (a page's entries are skipped over): "" and
// false when b is not such an object.
func topCursor(b []byte) (cursor string, more bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return "", false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return "", false
	}
	for {
		end := skipString(b, i)
		if end < 0 {
			return "", false
		}
		key := string(b[i:end])
		i = skipSpace(b, end)
		if i == len(b) || b[i] != ':' {
			return "", false
		}
		i = skipSpace(b, i+1)
		end = skipValue(b, i)
		if end < 0 {
			return "", false
		}
		switch key {
		case `"cursor"`:
			if json.Unmarshal(b[i:end], &cursor) != nil {
				return "", false
			}
		case `"has_more"`:
			more = string(b[i:end]) == "true"
		}
		i = skipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == '}':
			return cursor, more
		default:
			return "", false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string that starts at i,
// or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the JSON value that starts at i, or
// -1; it checks only the nesting and the strings, which is all it needs
// to find the value's end.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				if j = skipString(b, j); j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
