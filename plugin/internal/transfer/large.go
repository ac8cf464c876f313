package transfer

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// sendLarge uploads one large file with the SDK's filetransfer uploader:
// a concurrent upload session, ChunkParallel chunks of 8 MiB in flight at
// once, read from the file as they go (memory stays at chunk size times
// parallelism, whatever the file's size). The commit goes through the
// committer like every other.
func (u *uploader) sendLarge(it *plan.Item) {
	src, err := newHashingSource(it.File.Path)
	if err != nil {
		u.finish(it, nil, err)
		return
	}
	if src.Size() != it.File.Size {
		u.finish(it, nil, errChanged)
		return
	}
	var mu sync.Mutex
	var sent int64
	up := filetransfer.NewUploader(&sessionClient{ContextClient: u.c.Files, u: u, it: it, src: src})
	res, err := up.Upload(u.ctx, src, commitInfo(it, u.o.Mode), filetransfer.UploadOptions{
		ParallelUploads: u.o.ChunkParallel,
		Progress: func(p filetransfer.UploadProgress) {
			mu.Lock()
			delta := p.BytesCommitted - sent
			sent = p.BytesCommitted
			mu.Unlock()
			u.o.Observer.Sent(delta)
		},
	})
	if err != nil {
		if dbx.HasTag(err, "content_hash_mismatch") {
			err = errChanged
		}
		u.finish(it, nil, err)
		return
	}
	u.finish(it, res.Metadata, nil)
}

// sessionClient gives filetransfer the Dropbox calls it needs, sending its
// commit (upload_session/finish) to the committer, with the content hash of
// the bytes sent, so that Dropbox checks the whole file.
type sessionClient struct {
	files.ContextClient
	u   *uploader
	it  *plan.Item
	src *hashingSource
}

func (s *sessionClient) UploadSessionFinishContext(ctx context.Context, arg *files.UploadSessionFinishArg, content io.Reader) (*files.FileMetadata, error) {
	tail, err := io.ReadAll(content)
	if err != nil {
		return nil, err
	}
	cursor := *arg.Cursor
	if len(tail) > 0 {
		// filetransfer sends the last bytes with finish in sequential
		// mode; append them so that the commit itself carries no data.
		app := files.NewUploadSessionAppendArg(&cursor)
		app.Close = true
		if err := s.ContextClient.UploadSessionAppendV2Context(ctx, app, bytes.NewReader(tail)); err != nil {
			return nil, err
		}
		cursor.Offset += uint64(len(tail))
	}
	hash, err := s.src.Sum()
	if err != nil {
		return nil, err
	}
	if err := setHash(s.it, hash); err != nil {
		return nil, err
	}
	fin := files.NewUploadSessionFinishArg(&cursor, arg.Commit)
	fin.ContentHash = hash
	type result struct {
		m   *files.FileMetadata
		err error
	}
	done := make(chan result, 1)
	s.u.cm.submit(ctx, commitReq{arg: fin, done: func(m *files.FileMetadata, err error) { done <- result{m, err} }})
	r := <-done
	return r.m, r.err
}
