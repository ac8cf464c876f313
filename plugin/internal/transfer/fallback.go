package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// Fallbacks for answers the real Dropbox may give where nobody here could
// confirm what it does (the emulator's strict modes give them; make
// conformance asks Dropbox). The committer's fallback for concurrent
// sessions refused by finish_batch_v2 is in commit.go.

// committed records the outcome of a commit. The metadata Dropbox answers
// with may lack content_hash (the spec makes it optional): then it is
// looked up with get_metadata, off the committer's goroutine, and checked
// as if it had come with the commit.
func (u *uploader) committed(it *plan.Item, m *files.FileMetadata, err error) {
	u.committedThen(it, m, err, nil)
}

// committedThen is committed, calling then (if not nil) with the checked
// outcome before recording it.
func (u *uploader) committedThen(it *plan.Item, m *files.FileMetadata, err error, then func(error)) {
	settle := func(m *files.FileMetadata, err error) {
		err = checkCommitted(it, m, err)
		if then != nil {
			then(err)
		}
		u.finish(it, m, err)
	}
	if err != nil || m == nil || m.ContentHash != "" {
		settle(m, err)
		return
	}
	u.lookups.Go(func() { settle(u.lookupHash(it, m)) })
}

// lookupHash returns the metadata of the file just committed as m, with its
// content hash, from get_metadata. It must be the same revision: a file
// changed on Dropbox in between is not taken for ours.
func (u *uploader) lookupHash(it *plan.Item, m *files.FileMetadata) (*files.FileMetadata, error) {
	path := m.PathLower
	if path == "" {
		path = it.Dest
	}
	md, err := u.c.Files.GetMetadataContext(u.ctx, files.NewGetMetadataArg(path))
	if err != nil {
		return nil, fmt.Errorf("looking up the content hash Dropbox left out of its answer: %w", err)
	}
	fm, ok := md.(*files.FileMetadata)
	switch {
	case !ok:
		return nil, fmt.Errorf("looking up the content hash Dropbox left out of its answer: %q is no longer a file", path)
	case m.Rev != "" && fm.Rev != m.Rev:
		return nil, fmt.Errorf("%q changed on Dropbox right after it was committed (revision %q, then %q)", path, m.Rev, fm.Rev)
	case fm.ContentHash == "":
		return nil, errors.New("Dropbox answered neither the commit nor get_metadata with a content hash")
	}
	return fm, nil
}

// uploadEmpty sends an empty file with files/upload, for a Dropbox that
// refuses entries of length 0 in append_batch. If Dropbox is busy, it
// keeps the data in an upload session (UploadWriteFailed's
// upload_session_id, "may be used to retry the commit with
// upload_session/finish"): the committer commits that.
func (u *uploader) uploadEmpty(it *plan.Item) {
	arg := &files.UploadArg{CommitInfo: *commitInfo(it, u.o.Mode), ContentHash: blocks.Hash(nil)}
	m, err := u.c.Files.UploadContext(u.ctx, arg, body(nil))
	if id := keptSession(err); id != "" {
		u.commit(it, id, 0)
		return
	}
	u.committed(it, m, err)
}

// keptSession returns the upload session in which files/upload's data was
// kept when Dropbox was too busy to commit it, or "".
func keptSession(err error) string {
	var e files.UploadAPIError
	if errors.As(err, &e) && e.EndpointError != nil && e.EndpointError.Path != nil && e.EndpointError.Path.Reason != nil &&
		e.EndpointError.Path.Reason.Tag == files.WriteErrorTooManyWriteOperations {
		return e.EndpointError.Path.UploadSessionId
	}
	return ""
}

// learnNoEmptyAppend makes the rest of the run send empty files with
// files/upload.
func (u *uploader) learnNoEmptyAppend() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.noEmptyAppend {
		u.noEmptyAppend = true
		u.o.Log.Info("Dropbox refused an empty file in upload_session/append_batch; sending empty files with files/upload")
	}
}

func (u *uploader) emptyByUpload() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.noEmptyAppend
}

// splitEmpty separates the empty files of a pack from the others.
func splitEmpty(items []*plan.Item, data [][]byte) (empty, rest []*plan.Item, restData [][]byte) {
	for i, it := range items {
		if len(data[i]) == 0 {
			empty = append(empty, it)
		} else {
			rest, restData = append(rest, it), append(restData, data[i])
		}
	}
	return empty, rest, restData
}

// body is the request body for data: nil when it is empty, so that the
// request goes with Content-Length: 0 (through the SDK, an empty reader
// goes as an empty chunked body, which Dropbox is not known to accept).
func body(data []byte) io.Reader {
	if len(data) == 0 {
		return nil
	}
	return bytes.NewReader(data)
}

func hasEmpty(data [][]byte) bool {
	for _, d := range data {
		if len(d) == 0 {
			return true
		}
	}
	return false
}
