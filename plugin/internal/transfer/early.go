package transfer

import (
	"context"
	"sync/atomic"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
)

// Early is an upload session for a large file opened while the caller
// still lists Dropbox (StartEarly), so that the first large file sent does
// not wait a round trip for its session before its data. If no large file
// is sent after all (Dropbox holds them already), the session is left to
// expire: one request spent.
type Early struct {
	done  chan struct{}
	id    string
	taken atomic.Bool
}

// StartEarly opens a concurrent upload session in the background; pass it
// as Options.Early.
func StartEarly(ctx context.Context, c *dbx.Client) *Early {
	e := &Early{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		arg := files.NewUploadSessionStartArg()
		arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
		if res, err := c.Files.UploadSessionStartContext(ctx, arg, nil); err == nil {
			e.id = res.SessionId
		}
	}()
	return e
}

// take returns the session, once, or "" (none, taken, or it failed: then
// the caller opens one itself, and meets the error, if any, there).
func (e *Early) take() string {
	if e == nil || !e.taken.CompareAndSwap(false, true) {
		return ""
	}
	<-e.done
	return e.id
}
