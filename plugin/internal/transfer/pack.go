package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// makePacks groups small files into packs of at most maxFiles files and
// maxBytes bytes (a file larger than maxBytes gets a pack of its own).
func makePacks(items []*plan.Item, maxFiles int, maxBytes int64) [][]*plan.Item {
	var packs [][]*plan.Item
	var cur []*plan.Item
	var size int64
	for _, it := range items {
		if len(cur) > 0 && (len(cur) == maxFiles || size+it.File.Size > maxBytes) {
			packs = append(packs, cur)
			cur, size = nil, 0
		}
		cur = append(cur, it)
		size += it.File.Size
	}
	if len(cur) > 0 {
		packs = append(packs, cur)
	}
	return packs
}

// sendPack uploads a pack of small files in two requests, whatever their
// number: upload_session/start_batch opens one session per file, and
// upload_session/append_batch sends all their bytes and closes them. The
// sessions then go to the committer. Each file's content hash goes with
// its commit, so Dropbox refuses a file that changed after it was hashed.
func (u *uploader) sendPack(pack []*plan.Item) {
	var total int64
	for _, it := range pack {
		total += it.File.Size
	}
	buf, err := u.budget.take(u.ctx, total)
	if err != nil {
		return // interrupted: the files stay unsent
	}
	defer u.budget.give(buf)
	var early *earlyStart
	if !u.batchless() && !u.emptyByUpload() {
		early = u.startEarly(len(pack))
	}
	items, all, data := u.readPack(pack, buf[:0])
	if len(items) == 0 {
		return
	}
	if u.batchless() {
		u.sendOneByOne(items, data)
		return
	}
	u.sendBatch(items, all, data, early)
}

// earlyStart is a start_batch sent while the pack's files are read, so
// that reading them does not add to the round trip.
type earlyStart struct {
	done chan struct{}
	ids  []string
	err  error
}

func (u *uploader) startEarly(n int) *earlyStart {
	e := &earlyStart{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		res, err := u.c.Files.UploadSessionStartBatchContext(u.ctx, &files.UploadSessionStartBatchArg{NumSessions: uint64(n)})
		if err == nil {
			e.ids = res.SessionIds
		}
		e.err = err
	}()
	return e
}

// sessions returns n sessions from e, if it got at least that many (the
// pack may have lost files that could not be read; their sessions are
// left to expire), else nil: then start_batch is asked again, and answers
// the error, if any, as it should be reported.
func (e *earlyStart) sessions(n int) []string {
	if e == nil {
		return nil
	}
	<-e.done
	if e.err != nil || len(e.ids) < n {
		return nil
	}
	return e.ids[:n]
}

// sendBatch sends a pack's files (data[i] is items[i]'s part of all) with
// start_batch and append_batch, and hands the sessions to the committer.
// Empty files go as entries of length 0, unless Dropbox refused them
// (fallback.go): then by files/upload.
func (u *uploader) sendBatch(items []*plan.Item, all []byte, data [][]byte, early *earlyStart) {
	if u.emptyByUpload() {
		var empty []*plan.Item
		empty, items, data = splitEmpty(items, data)
		for _, it := range empty {
			u.uploadEmpty(it)
		}
		if len(items) == 0 {
			return
		}
	}
	ctx := u.ctx
	ids := early.sessions(len(items))
	var err error
	if ids == nil {
		var start *files.UploadSessionStartBatchResult
		start, err = u.c.Files.UploadSessionStartBatchContext(ctx, &files.UploadSessionStartBatchArg{NumSessions: uint64(len(items))})
		if err == nil {
			ids = start.SessionIds
		}
	}
	if err == nil && len(ids) != len(items) {
		err = fmt.Errorf("start_batch gave %d sessions for %d files", len(ids), len(items))
	}
	if err != nil {
		u.finishAll(items, err)
		return
	}
	u.appendAll(items, ids, all, data, u.args.get())
}

// appendGroup sends files (data[i] is items[i]'s part of all) into their
// sessions with one append_batch, and hands the sessions to the
// committer.
func (u *uploader) appendGroup(items []*plan.Item, ids []string, all []byte, data [][]byte) {
	ctx := u.ctx
	arg := &files.UploadSessionAppendBatchArg{Entries: make([]*files.UploadSessionAppendBatchArgEntry, len(items))}
	for i := range items {
		e := files.NewUploadSessionAppendBatchArgEntry(files.NewUploadSessionCursor(ids[i], 0), uint64(len(data[i])))
		e.Close = true
		arg.Entries[i] = e
	}
	arg.ContentHash = blocks.Hash(all)
	res, err := u.appendBatch(ctx, arg, all, argSize(ids, data))
	if errors.Is(err, errBoundLowered) {
		u.appendAll(items, ids, all, data, u.args.get())
		return
	}
	if err != nil && noAppendBatch(err) {
		u.mu.Lock()
		u.noBatch = true
		u.mu.Unlock()
		u.o.Log.Info("the server has no upload_session/append_batch; sending small files one request each")
		u.sendOneByOne(items, data)
		return
	}
	if u.headersRefused(items, ids, all, data, err) {
		return
	}
	if err != nil && refusedBatch(err) && !u.emptyByUpload() && hasEmpty(data) {
		// Perhaps for the entries of length 0: send the pack again, empty
		// files by files/upload. (The sessions opened are left to expire.)
		u.learnNoEmptyAppend()
		u.sendBatch(items, all, data, nil)
		return
	}
	if err == nil && (len(res.Entries) != len(items) || slices.Contains(res.Entries, nil)) {
		err = fmt.Errorf("append_batch answered %d entries (or null ones) for %d files", len(res.Entries), len(items))
	}
	if err != nil {
		u.finishAll(items, err)
		return
	}
	u.o.Observer.Sent(int64(len(all)))
	for i, it := range items {
		if f := res.Entries[i].Failure; f != nil && !alreadyAppended(f, len(data[i])) {
			if len(data[i]) == 0 {
				u.learnNoEmptyAppend()
				u.uploadEmpty(it)
				continue
			}
			u.finish(it, nil, entryError("append_batch/"+f.Tag))
			continue
		}
		u.commit(it, ids[i], uint64(len(data[i])))
	}
}

// readPack reads the pack's files into buf, which has room for them all
// (data[i] is items[i]'s part of it). A file that cannot be read, or no
// longer has the size it was hashed with, fails alone and is left out.
func (u *uploader) readPack(pack []*plan.Item, buf []byte) (items []*plan.Item, all []byte, data [][]byte) {
	all = buf
	var o local.Opener // the pack's files follow each other in their folders
	defer o.Close()
	var ends []int
	for _, it := range pack {
		var err error
		start := len(all)
		if all, err = appendFile(all, it, &o); err == nil {
			err = setHash(it, blocks.Hash(all[start:]))
		}
		if err != nil {
			all = all[:start]
			u.finish(it, nil, err)
			continue
		}
		items, ends = append(items, it), append(ends, len(all))
	}
	data = make([][]byte, len(items))
	for i, end := range ends {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		data[i] = all[start:end:end]
	}
	return items, all, data
}

func (u *uploader) finishAll(items []*plan.Item, err error) {
	for _, it := range items {
		u.finish(it, nil, err)
	}
}

// alreadyAppended reports whether an append_batch entry failure means that
// an earlier try of the same request got through (its answer was lost):
// the session is closed, or its offset is at the end of the data. Each
// pack session gets exactly one append, which closes it, and the commit
// carries the content hash, so Dropbox still checks the data.
func alreadyAppended(f *files.UploadSessionAppendBatchEntryError, n int) bool {
	switch {
	case f.Tag == files.UploadSessionAppendBatchEntryErrorClosed:
		return true
	case f.IncorrectOffset != nil:
		return f.IncorrectOffset.CorrectOffset == uint64(n)
	}
	return false
}

// sendOneByOne is the fallback for servers without append_batch: one
// upload_session/start per file, carrying its data and closing it.
func (u *uploader) sendOneByOne(items []*plan.Item, data [][]byte) {
	for i, it := range items {
		arg := files.NewUploadSessionStartArg()
		arg.Close = true
		arg.ContentHash = it.File.Hash
		res, err := u.c.Files.UploadSessionStartContext(u.sending(u.ctx), arg, body(data[i]))
		if err != nil {
			u.finish(it, nil, err)
			continue
		}
		u.o.Observer.Sent(int64(len(data[i])))
		u.commit(it, res.SessionId, uint64(len(data[i])))
	}
}

func (u *uploader) batchless() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.noBatch
}

// commit hands a complete session to the committer.
func (u *uploader) commit(it *plan.Item, session string, size uint64) {
	u.cm.submit(commitReq{it: it, session: session, size: size, done: func(m *files.FileMetadata, err error) {
		u.committed(it, m, err)
	}})
}

// checkCommitted checks what Dropbox committed against what was sent: its
// content hash must be the hash of the bytes read for sending. (Each
// request's own content_hash covers only the data in that request, as
// Dropbox defines it; this closes the loop for the whole file.)
func checkCommitted(it *plan.Item, m *files.FileMetadata, err error) error {
	switch {
	case err != nil:
		return err
	case m == nil:
		return errors.New("Dropbox answered the commit without metadata")
	case m.ContentHash != it.File.Hash:
		return fmt.Errorf("Dropbox holds content (hash %.12s…) other than what was sent (%.12s…)", m.ContentHash, it.File.Hash)
	}
	return nil
}

// appendFile appends the content of it's file, opened with o, to buf,
// checking that it still has the size it had when it was hashed.
func appendFile(buf []byte, it *plan.Item, o *local.Opener) ([]byte, error) {
	f, err := o.Open(it.File) // inside the scanned folder, whatever was swapped into its path
	if err != nil {
		return buf, err
	}
	defer f.Close()
	start := len(buf)
	buf = slices.Grow(buf, int(it.File.Size))
	n, err := io.ReadFull(f, buf[start:start+int(it.File.Size)])
	buf = buf[:start+n]
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return buf, errChanged // it shrank
	case err != nil:
		return buf, fmt.Errorf("reading %q: %w", it.File.Path, err)
	}
	// One byte more tells that it grew, read apart: the pack's buffer
	// holds exactly its files (reading it into the buffer would double
	// the buffer at its last file).
	var more [1]byte
	if m, err := f.Read(more[:]); m > 0 {
		return buf, errChanged
	} else if err != nil && !errors.Is(err, io.EOF) {
		return buf, fmt.Errorf("reading %q: %w", it.File.Path, err)
	}
	return buf, nil
}

// setHash records the content hash of the bytes being sent. If the file was
// hashed before (to decide whether to send it), the two must agree, or the
// file changed in between.
func setHash(it *plan.Item, h string) error {
	if it.File.Hash != "" && it.File.Hash != h {
		return errChanged
	}
	it.File.Hash = h
	return nil
}

// noAppendBatch reports whether the server does not know the
// append_batch route (400 "Unknown API function", or 404).
func noAppendBatch(err error) bool {
	var br auth.BadRequest
	var ie dropbox.SDKInternalError
	switch {
	case errors.As(err, &ie) && ie.StatusCode == http.StatusNotFound:
		return true
	case errors.As(err, &br):
		s := strings.ToLower(br.ErrorSummary)
		return strings.Contains(s, "unknown") && (strings.Contains(s, "function") || strings.Contains(s, "route") || strings.Contains(s, "endpoint"))
	}
	return false
}

// appendBatch sends one append_batch request once the append gate lets it
// (headers.go): Options.Parallel at once across all packs, and more while
// their data stays within a pack's bytes. A pack cut into several
// requests by the header bound sends them together; without any bound
// 3,000 small files went as 69 requests at once, which on a slow link
// stalled most of them into retries. The slot is held only for the
// request, never while waiting on other requests, so a split cannot
// deadlock.
func (u *uploader) appendBatch(ctx context.Context, arg *files.UploadSessionAppendBatchArg, all []byte, argBytes int) (*files.UploadSessionAppendBatchResult, error) {
	if err := u.appends.enter(ctx, int64(len(all))); err != nil {
		return nil, err
	}
	if len(arg.Entries) > 1 && argBytes > u.args.get() {
		// A refusal lowered the bound while this request waited: it
		// would be refused too.
		u.appends.leave(int64(len(all)), false)
		return nil, errBoundLowered
	}
	res, err := u.c.Files.UploadSessionAppendBatchContext(u.sending(ctx), arg, body(all))
	u.appends.leave(int64(len(all)), headersTooLarge(err))
	return res, err
}

// errBoundLowered is appendBatch's answer when the bound on
// Dropbox-API-Arg was lowered while the request waited to go: its files go
// again in requests under the new bound, with no request sent.
var errBoundLowered = errors.New("the bound on request headers was lowered")
