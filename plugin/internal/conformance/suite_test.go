package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// TestConformance runs the suite against the emulator, in its default and
// its strict modes, and, with -live, against the real Dropbox.
func TestConformance(t *testing.T) {
	if *live {
		t.Run("dropbox", func(t *testing.T) {
			b := newLive(t)
			runSuite(t, b)
			runQuestions(t, b)
		})
		return
	}
	fmt.Println("conformance: no -live (make conformance without DROPBOX_TEST_* credentials): running against the emulator only")
	t.Run("emulator", func(t *testing.T) { runSuite(t, newEmulator(t, false)) })
	t.Run("emulator-strict", func(t *testing.T) { runSuite(t, newEmulator(t, true)) })
}

// check is one assumption of the client about Dropbox's protocol.
type check struct {
	name string
	run  func(t *testing.T, b *backend) row
}

var checks = []check{
	{"small files by start_batch, append_batch and finish_batch_v2", checkPackPath},
	{"finish_batch_v2 commits a concurrent session", checkConcurrentInBatch},
	{"append_batch takes an entry of length 0", checkEmptyAppend},
	{"upload_session/start takes an empty chunked body", checkEmptyChunkedStart},
	{"commits answer with content_hash", checkContentHash},
	{"listings and get_metadata give content_hash", checkListingHash},
	{"list_folder/continue answers reset, and listing again works", checkReset},
	{"create_folder_v2 onto a file answers path/conflict/file", checkConflictFile},
	{"409 error tags", checkErrorTags},
	{"an unknown route answers 400 with a text body", checkUnknownRoute},
	{"429 carries Retry-After and too_many_requests", checkRateLimit},
	{"the client pushes, lists and downloads small, empty and large files", checkClient},
}

// runSuite runs every check against b, prints the table, and fails on a
// core assumption that does not hold (and, on the emulators, on an
// unconfirmed point that does not come out as the mode says).
func runSuite(t *testing.T, b *backend) {
	tb := &table{}
	defer tb.print(b.name)
	for _, ck := range checks {
		t.Run(strings.ReplaceAll(ck.name, " ", "_"), func(t *testing.T) {
			r := ck.run(t, b)
			if r.assumption == "" {
				r.assumption = ck.name
			}
			tb.add(r)
			switch {
			case r.verdict == differs && !r.unconfirmed:
				t.Errorf("%s: the service answered %s", r.assumption, r.answer)
			case r.unconfirmed && !b.live && b.strict != (r.verdict == differs):
				t.Errorf("%s: the emulator (strict %v) answered %s (%s)", r.assumption, b.strict, r.answer, r.verdict)
			}
		})
	}
}

var ctx = context.Background()

// addMode commits without overwriting (the suite's folder is fresh).
func commit(path string) *files.CommitInfo {
	ci := files.NewCommitInfo(path)
	ci.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeAdd}}
	ci.Mute = true
	return ci
}

func verdict(ok bool) string {
	if ok {
		return asAssumed
	}
	return differs
}

// startBatch opens n sessions and appends data (one piece per session,
// each closed) in one append_batch.
func startBatch(b *backend, pieces ...[]byte) ([]string, *files.UploadSessionAppendBatchResult, error) {
	s, err := b.c.Files.UploadSessionStartBatchContext(ctx, &files.UploadSessionStartBatchArg{NumSessions: uint64(len(pieces))})
	if err != nil {
		return nil, nil, err
	}
	arg := &files.UploadSessionAppendBatchArg{}
	var all []byte
	for i, p := range pieces {
		e := files.NewUploadSessionAppendBatchArgEntry(files.NewUploadSessionCursor(s.SessionIds[i], 0), uint64(len(p)))
		e.Close = true
		arg.Entries = append(arg.Entries, e)
		all = append(all, p...)
	}
	arg.ContentHash = blocks.Hash(all)
	var body io.Reader
	if len(all) > 0 {
		body = bytes.NewReader(all)
	}
	res, err := b.c.Files.UploadSessionAppendBatchContext(ctx, arg, body)
	return s.SessionIds, res, err
}

func finishBatch(b *backend, sessions []string, sizes []int, paths []string) (*files.UploadSessionFinishBatchResult, error) {
	arg := &files.UploadSessionFinishBatchArg{}
	for i, s := range sessions {
		arg.Entries = append(arg.Entries, files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(s, uint64(sizes[i])), commit(paths[i])))
	}
	return b.c.Files.UploadSessionFinishBatchV2Context(ctx, arg)
}

func entryAnswer(e *files.UploadSessionFinishBatchResultEntry) string {
	if e.Success != nil {
		return "success"
	}
	if e.Failure != nil {
		return fmt.Sprintf("failure %q", e.Failure.Tag)
	}
	return "neither success nor failure"
}

func checkPackPath(t *testing.T, b *backend) row {
	paths := []string{b.g.Path("pack/a.txt"), b.g.Path("pack/b.txt")}
	ids, app, err := startBatch(b, []byte("abc"), []byte("defg"))
	if err != nil {
		return row{answer: "start_batch/append_batch " + answerOf(err), verdict: differs}
	}
	for i, e := range app.Entries {
		if e.Failure != nil {
			return row{answer: fmt.Sprintf("append_batch entry %d: failure %q", i, e.Failure.Tag), verdict: differs}
		}
	}
	res, err := finishBatch(b, ids, []int{3, 4}, paths)
	if err != nil {
		return row{answer: "finish_batch_v2 " + answerOf(err), verdict: differs}
	}
	ok := len(res.Entries) == 2
	for i := 0; ok && i < 2; i++ {
		s := res.Entries[i].Success
		ok = s != nil && strings.EqualFold(s.PathDisplay, paths[i]) // answers in the order of the entries
	}
	return row{answer: fmt.Sprintf("%d entries: %s, %s", len(res.Entries), entryAnswer(res.Entries[0]), entryAnswer(res.Entries[len(res.Entries)-1])), verdict: verdict(ok)}
}

// concurrentSession opens a concurrent session with no body and sends
// data in one closing chunk.
func concurrentSession(b *backend, data []byte) (string, error) {
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
	s, err := b.c.Files.UploadSessionStartContext(ctx, arg, nil)
	if err != nil {
		return "", err
	}
	app := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(s.SessionId, 0))
	app.Close = true
	app.ContentHash = blocks.Hash(data)
	return s.SessionId, b.c.Files.UploadSessionAppendV2Context(ctx, app, bytes.NewReader(data))
}

func checkConcurrentInBatch(t *testing.T, b *backend) row {
	r := row{unconfirmed: true, fallback: "upload_session/finish"}
	data := []byte("a large file, in miniature")
	id, err := concurrentSession(b, data)
	if err != nil {
		t.Errorf("a concurrent session with Content-Length: 0 start and one closing chunk: %v", err)
		r.answer, r.verdict = "start/append_v2 "+answerOf(err), differs
		return r
	}
	path := b.g.Path("concurrent/batch.bin")
	res, err := finishBatch(b, []string{id}, []int{len(data)}, []string{path})
	switch {
	case err != nil:
		r.answer = "finish_batch_v2 " + answerOf(err)
	case len(res.Entries) != 1:
		r.answer = fmt.Sprintf("%d entries for 1", len(res.Entries))
	default:
		r.answer = entryAnswer(res.Entries[0])
	}
	r.verdict = verdict(r.answer == "success")
	if r.verdict == differs { // the fallback must work
		arg := files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(id, uint64(len(data))), commit(path))
		m, err := b.c.Files.UploadSessionFinishContext(ctx, arg, nil)
		if err != nil {
			t.Errorf("the fallback, upload_session/finish, failed too: %v", err)
		}
		r.answer += "; then upload_session/finish: " + answerOf(err)
		_ = m
	}
	return r
}

func checkEmptyAppend(t *testing.T, b *backend) row {
	r := row{unconfirmed: true, fallback: "files/upload"}
	ids, app, err := startBatch(b, nil, []byte("xyz"))
	switch {
	case err != nil:
		r.answer = answerOf(err)
	case app.Entries[0].Failure != nil:
		r.answer = fmt.Sprintf("entry of length 0: failure %q", app.Entries[0].Failure.Tag)
	default:
		r.answer = "success"
		res, err := finishBatch(b, ids, []int{0, 3}, []string{b.g.Path("empty/in-batch.txt"), b.g.Path("empty/other.txt")})
		if err != nil || res.Entries[0].Success == nil || res.Entries[0].Success.Size != 0 {
			t.Errorf("committing the empty session: %v %v", err, res)
		}
	}
	r.verdict = verdict(r.answer == "success")
	if r.verdict == differs {
		arg := &files.UploadArg{CommitInfo: *commit(b.g.Path("empty/by-upload.txt")), ContentHash: blocks.Hash(nil)}
		m, err := b.c.Files.UploadContext(ctx, arg, nil)
		if err != nil || m.Size != 0 {
			t.Errorf("the fallback, files/upload of an empty file, failed: %v", err)
		}
		r.answer += "; then files/upload: " + answerOf(err)
	}
	return r
}

func checkEmptyChunkedStart(t *testing.T, b *backend) row {
	r := row{unconfirmed: true, fallback: "none needed: it sends Content-Length: 0"}
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
	// Through the SDK an empty reader goes as an empty chunked body.
	_, err := b.c.Files.UploadSessionStartContext(ctx, arg, files.WithoutAutoContentHash(bytes.NewReader(nil)))
	r.answer, r.verdict = answerOf(err), verdict(err == nil)
	if _, err := b.c.Files.UploadSessionStartContext(ctx, arg, nil); err != nil {
		t.Errorf("a concurrent start with Content-Length: 0 (what the client sends): %v", err)
	}
	return r
}

func checkContentHash(t *testing.T, b *backend) row {
	r := row{unconfirmed: true, fallback: "get_metadata"}
	data := []byte("hash me")
	path := b.g.Path("hash/upload.txt")
	m, err := b.c.Files.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(path)}, bytes.NewReader(data))
	if err != nil {
		t.Errorf("files/upload: %v", err)
		r.answer, r.verdict = answerOf(err), differs
		return r
	}
	switch {
	case m.ContentHash == blocks.Hash(data):
		r.answer, r.verdict = "content_hash present and right", asAssumed
	case m.ContentHash == "":
		r.answer, r.verdict = "no content_hash", differs
	default:
		r.answer, r.verdict = fmt.Sprintf("content_hash %q, not the data's", m.ContentHash), differs
		t.Errorf("files/upload answered content_hash %q for data hashing to %q", m.ContentHash, blocks.Hash(data))
	}
	if r.verdict == differs {
		md, err := b.c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg(path))
		fm, ok := md.(*files.FileMetadata)
		if err != nil || !ok || fm.ContentHash != blocks.Hash(data) {
			t.Errorf("the fallback, get_metadata, gave no right content_hash: %v", err)
		}
		r.answer += "; then get_metadata: " + answerOf(err)
	}
	return r
}

func checkListingHash(t *testing.T, b *backend) row {
	r := row{unconfirmed: true, fallback: "push sends the file again; verify and pull say it cannot be compared"}
	files_ := b.c.Files
	if b.listings != nil {
		files_ = b.listings(t).Files
	}
	data := []byte("list my hash")
	path := b.g.Path("listhash/f.txt")
	if _, err := files_.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(path)}, bytes.NewReader(data)); err != nil {
		t.Errorf("files/upload: %v", err)
		return row{answer: answerOf(err), verdict: differs}
	}
	res, err := files_.ListFolderContext(ctx, files.NewListFolderArg(b.g.Path("listhash")))
	if err != nil || len(res.Entries) != 1 {
		t.Errorf("list_folder: %v", err)
		return row{answer: answerOf(err), verdict: differs}
	}
	md, err := files_.GetMetadataContext(ctx, files.NewGetMetadataArg(path))
	if err != nil {
		t.Errorf("get_metadata: %v", err)
		return row{answer: answerOf(err), verdict: differs}
	}
	listed, _ := res.Entries[0].(*files.FileMetadata)
	got, _ := md.(*files.FileMetadata)
	if listed == nil || got == nil {
		t.Errorf("list_folder gave %T, get_metadata %T, not file metadata", res.Entries[0], md)
		return row{answer: "not file metadata", verdict: differs}
	}
	want := blocks.Hash(data)
	for _, h := range []string{listed.ContentHash, got.ContentHash} {
		if h != "" && h != want {
			t.Errorf("content_hash %q for data hashing to %q", h, want)
		}
	}
	r.answer = fmt.Sprintf("list_folder: %s; get_metadata: %s", hashAnswer(listed.ContentHash), hashAnswer(got.ContentHash))
	r.verdict = verdict(listed.ContentHash == want && got.ContentHash == want)
	return r
}

func hashAnswer(h string) string {
	if h == "" {
		return "no content_hash"
	}
	return "content_hash present"
}

func checkReset(t *testing.T, b *backend) row {
	if b.resetCursors == nil {
		return row{answer: "cannot make a cursor stale on the real service", verdict: notProvoked}
	}
	for i := 0; i < 3; i++ {
		if _, err := b.c.Files.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(b.g.Path(fmt.Sprintf("list/f%d", i)))}, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	arg := files.NewListFolderArg(b.g.Path("list"))
	arg.Limit = 1
	res, err := b.c.Files.ListFolderContext(ctx, arg)
	if err != nil || !res.HasMore {
		t.Fatalf("list_folder with limit 1: %v", err)
	}
	b.resetCursors()
	_, err = b.c.Files.ListFolderContinueContext(ctx, files.NewListFolderContinueArg(res.Cursor))
	r := row{answer: answerOf(err), verdict: verdict(dbx.HasTag(err, "reset"))}
	got, err := remote.List(ctx, b.c.Files, b.g.Path("list"))
	if err != nil || len(got) != 4 {
		t.Errorf("listing again: %d entries, %v", len(got), err)
	}
	return r
}

func checkConflictFile(t *testing.T, b *backend) row {
	path := b.g.Path("conflict/file")
	if _, err := b.c.Files.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(path)}, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	_, err := b.c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg(path))
	return row{answer: answerOf(err), verdict: verdict(dbx.HasTag(err, "conflict") && dbx.HasTag(err, "file"))}
}

func checkErrorTags(t *testing.T, b *backend) row {
	missing := b.g.Path("tags/missing")
	file := b.g.Path("tags/file.txt")
	if _, err := b.c.Files.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(file)}, strings.NewReader("one")); err != nil {
		t.Fatal(err)
	}
	var answers []string
	ok := true
	want := func(what string, err error, tags ...string) {
		for _, tag := range tags {
			ok = ok && dbx.HasTag(err, tag)
		}
		answers = append(answers, what+": "+answerOf(err))
	}
	_, err := b.c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg(missing))
	want("get_metadata of nothing", err, "path", "not_found")
	_, err = b.c.Files.ListFolderContext(ctx, files.NewListFolderArg(file))
	want("list_folder of a file", err, "path", "not_folder")
	_, err = b.c.Files.UploadContext(ctx, &files.UploadArg{CommitInfo: *commit(file)}, strings.NewReader("two"))
	want("upload (add) onto another file", err, "path", "conflict", "file")
	_, _, err = b.c.Files.DownloadContext(ctx, files.NewDownloadArg(missing))
	want("download of nothing", err, "path", "not_found")
	return row{answer: strings.Join(answers, "; "), verdict: verdict(ok)}
}

func checkUnknownRoute(t *testing.T, b *backend) row {
	sdk := dropbox.NewContext(b.c.Config)
	req := dropbox.Request{Host: "api", Namespace: "files", Route: "dropbox_post_conformance_no_such_route", Auth: "user", Style: "rpc",
		Arg: map[string]string{"path": b.g.Path("nothing")}}
	_, _, err := sdk.ExecuteContext(ctx, req, nil)
	var br auth.BadRequest
	var ie dropbox.SDKInternalError
	switch {
	case errors.As(err, &br):
		return row{answer: fmt.Sprintf("400 %q", firstLine(br.ErrorSummary)), verdict: verdict(strings.Contains(strings.ToLower(br.ErrorSummary), "unknown"))}
	case errors.As(err, &ie): // ExecuteContext leaves 400 unparsed; route methods make it auth.BadRequest
		unknown := ie.StatusCode == 400 && strings.Contains(strings.ToLower(ie.Content), "unknown")
		return row{answer: fmt.Sprintf("%d %q", ie.StatusCode, firstLine(ie.Content)), verdict: verdict(unknown || ie.StatusCode == 404)}
	}
	return row{answer: answerOf(err), verdict: differs}
}

func checkRateLimit(t *testing.T, b *backend) row {
	if b.throttled == nil {
		return row{answer: "not provoked: it would take flooding the account", verdict: notProvoked}
	}
	c := b.throttled(t)
	_, err := c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg("/x"))
	var rl auth.RateLimitAPIError
	if !errors.As(err, &rl) || rl.RateLimitError == nil {
		return row{answer: answerOf(err), verdict: differs}
	}
	reason := ""
	if rl.RateLimitError.Reason != nil {
		reason = rl.RateLimitError.Reason.Tag
	}
	return row{answer: fmt.Sprintf("429, reason %q, retry_after %d", reason, rl.RateLimitError.RetryAfter),
		verdict: verdict(reason == "too_many_requests" && rl.RateLimitError.RetryAfter == 3)}
}

// checkClient runs the client itself (transfer.Upload, List, download)
// on small, empty and large files, whatever the service answered above.
func checkClient(t *testing.T, b *backend) row {
	dir := t.TempDir()
	dest := b.g.Path("client")
	p := &plan.Plan{Dest: dest}
	want := map[string][]byte{"small.txt": []byte("ndcg 0.31\n"), "empty.txt": nil, "large.bin": bytes.Repeat([]byte("0123456789abcdef"), 256)}
	for name, data := range want {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f := &local.File{Rel: name, Path: path, Size: int64(len(data)), ModTime: time.Unix(1700000000, 0)}
		p.Items = append(p.Items, &plan.Item{File: f, Dest: dest + "/" + name, Action: plan.Upload})
	}
	res, _, err := transfer.Upload(ctx, b.c, p, transfer.Options{LargeFrom: 1024})
	if err != nil {
		return row{answer: "upload " + answerOf(err), verdict: differs}
	}
	var failed []string
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.Item.File.Rel, r.Err))
		}
	}
	held, err := remote.List(ctx, b.c.Files, dest)
	if err != nil {
		failed = append(failed, "list: "+err.Error())
	}
	for name, data := range want {
		r, ok := held[strings.ToLower(dest+"/"+name)]
		if !ok || r.Hash != blocks.Hash(data) || r.Size != int64(len(data)) {
			failed = append(failed, fmt.Sprintf("%s listed as %+v", name, r))
		}
		_, body, err := b.c.Files.DownloadContext(ctx, files.NewDownloadArg(dest+"/"+name))
		if err != nil {
			failed = append(failed, fmt.Sprintf("download %s: %v", name, err))
			continue
		}
		got, err := io.ReadAll(body)
		body.Close()
		if err != nil || !bytes.Equal(got, data) {
			failed = append(failed, fmt.Sprintf("download %s: %d bytes, %v", name, len(got), err))
		}
	}
	if len(failed) > 0 {
		return row{answer: strings.Join(failed, "; "), verdict: differs}
	}
	return row{answer: "3 files pushed, listed and downloaded intact", verdict: asAssumed}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
