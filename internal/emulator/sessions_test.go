package emulator

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

func cursor(id string, off int) *files.UploadSessionCursor {
	return files.NewUploadSessionCursor(id, uint64(off))
}

func TestSequentialSession(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	data := pattern(3000, 1)
	st, err := c.UploadSessionStart(files.NewUploadSessionStartArg(), bytes.NewReader(data[:1000]))
	if err != nil {
		t.Fatal(err)
	}
	// A wrong offset is refused with the right one.
	err = c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor(st.SessionId, 500)), bytes.NewReader(data[1000:2000]))
	e, ok := as[files.UploadSessionAppendV2APIError](err)
	if !ok || e.EndpointError.Tag != "incorrect_offset" || e.EndpointError.IncorrectOffset.CorrectOffset != 1000 {
		t.Fatalf("wrong offset: %T %v", err, err)
	}
	if err := c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor(st.SessionId, 1000)), bytes.NewReader(data[1000:2000])); err != nil {
		t.Fatal(err)
	}
	// finish checks its offset too.
	fin := files.NewUploadSessionFinishArg(cursor(st.SessionId, 1999), files.NewCommitInfo("/seq.bin"))
	_, err = c.UploadSessionFinish(fin, bytes.NewReader(data[2000:]))
	fe, ok := as[files.UploadSessionFinishAPIError](err)
	if !ok || fe.EndpointError.LookupFailed == nil || fe.EndpointError.LookupFailed.IncorrectOffset.CorrectOffset != 2000 {
		t.Fatalf("finish at wrong offset: %T %v", err, err)
	}
	fin.Cursor.Offset = 2000
	m, err := c.UploadSessionFinish(fin, bytes.NewReader(data[2000:]))
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != 3000 || m.ContentHash != hashOf(data) {
		t.Errorf("metadata %+v", m)
	}
	if _, got, _ := s.File("/seq.bin"); !bytes.Equal(got, data) {
		t.Error("content differs")
	}
	// The session is used up.
	err = c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor(st.SessionId, 3000)), bytes.NewReader([]byte("x")))
	if e, ok := as[files.UploadSessionAppendV2APIError](err); !ok || e.EndpointError.Tag != "closed" {
		t.Fatalf("append after finish: %v", err)
	}
	err = c.UploadSessionAppendV2(files.NewUploadSessionAppendArg(cursor("pid_upload_session:nope", 0)), bytes.NewReader(nil))
	if e, ok := as[files.UploadSessionAppendV2APIError](err); !ok || e.EndpointError.Tag != "not_found" {
		t.Fatalf("unknown session: %v", err)
	}
}

func TestConcurrentSessionOutOfOrder(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	const block = 4 << 20
	data := pattern(2*block+12345, 2)
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
	st, err := c.UploadSessionStart(arg, bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	appendAt := func(off, end int, close bool) error {
		a := files.NewUploadSessionAppendArg(cursor(st.SessionId, off))
		a.Close = close
		return c.UploadSessionAppendV2(a, bytes.NewReader(data[off:end]))
	}
	// Misaligned offsets and partial non-final chunks are refused.
	if e, ok := as[files.UploadSessionAppendV2APIError](appendAt(100, block+100, false)); !ok || e.EndpointError.Tag != "concurrent_session_invalid_offset" {
		t.Errorf("misaligned offset: %+v", e)
	}
	if e, ok := as[files.UploadSessionAppendV2APIError](appendAt(0, 1000, false)); !ok || e.EndpointError.Tag != "concurrent_session_invalid_data_size" {
		t.Errorf("short chunk: %+v", e)
	}
	// The middle chunk, then the closing one: the first is missing, and
	// a closed session takes no more data (files.stone,
	// UploadSessionAppendArg.close).
	if err := appendAt(block, 2*block, false); err != nil {
		t.Fatal(err)
	}
	if err := appendAt(2*block, len(data), true); err != nil {
		t.Fatal(err)
	}
	fin := files.NewUploadSessionFinishArg(cursor(st.SessionId, len(data)), files.NewCommitInfo("/conc.bin"))
	_, err = c.UploadSessionFinish(fin, bytes.NewReader(nil))
	if e, ok := as[files.UploadSessionFinishAPIError](err); !ok || e.EndpointError.Tag != "concurrent_session_missing_data" {
		t.Fatalf("finish with data missing: %v", err)
	}
	for _, re := range []struct {
		off, end int
		close    bool
	}{{0, block, false}, {block, 2 * block, false}, {2 * block, len(data), true}} {
		if e, ok := as[files.UploadSessionAppendV2APIError](appendAt(re.off, re.end, re.close)); !ok || e.EndpointError.Tag != "closed" {
			t.Errorf("append at %d to a closed session: %v, want closed", re.off, e)
		}
	}
	// Another session, in order but for the closing chunk, which goes last.
	st, err = c.UploadSessionStart(arg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range [][2]int{{block, 2 * block}, {0, block}, {2 * block, len(data)}} {
		if err := appendAt(a[0], a[1], a[1] == len(data)); err != nil {
			t.Fatal(err)
		}
	}
	fin = files.NewUploadSessionFinishArg(cursor(st.SessionId, len(data)), files.NewCommitInfo("/conc.bin"))
	_, err = c.UploadSessionFinish(fin, bytes.NewReader([]byte("more")))
	if e, ok := as[files.UploadSessionFinishAPIError](err); !ok || e.EndpointError.Tag != "concurrent_session_data_not_allowed" {
		t.Fatalf("finish with data: %v", err)
	}
	m, err := c.UploadSessionFinish(fin, bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != uint64(len(data)) || m.ContentHash != hashOf(data) {
		t.Errorf("metadata size %d hash %s", m.Size, m.ContentHash)
	}
	if _, got, _ := s.File("/conc.bin"); !bytes.Equal(got, data) {
		t.Error("content differs")
	}
}

func TestFinishBatchV2(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	ids, err := c.UploadSessionStartBatch(files.NewUploadSessionStartBatchArg(4))
	if err != nil || len(ids.SessionIds) != 4 {
		t.Fatalf("start_batch: %v %v", ids, err)
	}
	var entries []*files.UploadSessionFinishArg
	for i, id := range ids.SessionIds {
		data := []byte(fmt.Sprintf("file %d", i))
		a := files.NewUploadSessionAppendArg(cursor(id, 0))
		a.Close = i != 3 // the last one is left open
		if err := c.UploadSessionAppendV2(a, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, files.NewUploadSessionFinishArg(cursor(id, len(data)), files.NewCommitInfo(fmt.Sprintf("/batch/f%d.txt", i))))
	}
	entries[2].Commit.Path = "/batch/f0.txt" // same path as entry 0, other content: conflict
	res, err := c.UploadSessionFinishBatchV2(files.NewUploadSessionFinishBatchArg(entries))
	if err != nil {
		t.Fatal(err)
	}
	tags := []string{}
	for _, e := range res.Entries {
		tags = append(tags, e.Tag)
	}
	if fmt.Sprint(tags) != "[success success failure failure]" {
		t.Fatalf("entries %v", tags)
	}
	if res.Entries[0].Success.PathDisplay != "/batch/f0.txt" || res.Entries[0].Success.ContentHash != hashOf([]byte("file 0")) {
		t.Errorf("success entry %+v", res.Entries[0].Success)
	}
	if f := res.Entries[2].Failure; f.Tag != "path" || f.Path.Conflict.Tag != "file" {
		t.Errorf("conflict entry %+v", f)
	}
	if f := res.Entries[3].Failure; f.Tag != "lookup_failed" || f.LookupFailed.Tag != "not_closed" {
		t.Errorf("open session entry %+v", f)
	}
	if len(s.Files()) != 2 {
		t.Errorf("%d files committed, want 2", len(s.Files()))
	}

	// More than 1000 entries is a malformed call.
	many := make([]*files.UploadSessionFinishArg, store.MaxBatch+1)
	for i := range many {
		many[i] = files.NewUploadSessionFinishArg(cursor("x", 0), files.NewCommitInfo(fmt.Sprintf("/m/%d", i)))
	}
	_, err = c.UploadSessionFinishBatchV2(files.NewUploadSessionFinishBatchArg(many))
	if _, ok := as[auth.BadRequest](err); !ok {
		t.Fatalf("1001 entries: %T %v", err, err)
	}
}

func TestSDKUploaderAndDownloader(t *testing.T) {
	_, base := start(t, Options{})
	c := files.NewContext(config(base, testToken))
	ctx := context.Background()
	data := pattern(21<<20, 3)
	for _, parallel := range []int{1, 4} {
		path := fmt.Sprintf("/ft/big-%d.bin", parallel)
		res, err := filetransfer.NewUploader(c).Upload(ctx, filetransfer.BytesUpload(data), files.NewCommitInfo(path),
			filetransfer.UploadOptions{ParallelUploads: parallel})
		if err != nil {
			t.Fatalf("parallel %d: %v", parallel, err)
		}
		if res.Metadata.ContentHash != hashOf(data) {
			t.Fatalf("parallel %d: hash %s", parallel, res.Metadata.ContentHash)
		}
		for _, pd := range []int{1, 5} {
			target := filetransfer.Bytes()
			if _, err := filetransfer.NewDownloader(c).Download(ctx, path, target, filetransfer.DownloadOptions{ParallelDownloads: pd}); err != nil {
				t.Fatalf("download (%d parallel): %v", pd, err)
			}
			if !bytes.Equal(target.Bytes(), data) {
				t.Fatalf("download (%d parallel) differs", pd)
			}
		}
	}
	// An empty file, which a parallel downloader first asks a range of.
	upload(t, filesClient(base), "/ft/empty", nil)
	target := filetransfer.Bytes()
	if _, err := filetransfer.NewDownloader(c).Download(ctx, "/ft/empty", target, filetransfer.DownloadOptions{ParallelDownloads: 3}); err != nil || len(target.Bytes()) != 0 {
		t.Fatalf("empty download: %v", err)
	}
}
