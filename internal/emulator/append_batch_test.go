package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// TestAppendBatch sends three files' data in one append_batch and commits
// them with finish_batch_v2, through the Go SDK.
func TestAppendBatch(t *testing.T) {
	s, base := start(t, Options{})
	c := files.New(config(base, testToken))
	data := [][]byte{[]byte("first file"), {}, pattern(5<<20+3, 7)}
	start, err := c.UploadSessionStartBatch(&files.UploadSessionStartBatchArg{NumSessions: 3})
	if err != nil || len(start.SessionIds) != 3 {
		t.Fatalf("start_batch: %v %v", start, err)
	}
	arg := &files.UploadSessionAppendBatchArg{ContentHash: hashOf(bytes.Join(data, nil))}
	for i, d := range data {
		e := files.NewUploadSessionAppendBatchArgEntry(files.NewUploadSessionCursor(start.SessionIds[i], 0), uint64(len(d)))
		e.Close = true
		arg.Entries = append(arg.Entries, e)
	}
	res, err := c.UploadSessionAppendBatch(arg, bytes.NewReader(bytes.Join(data, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range res.Entries {
		if e.Tag != "success" {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	// The same request again (as after a lost answer): the sessions are
	// closed, as append_v2 says for a closed session.
	res, err = c.UploadSessionAppendBatch(arg, bytes.NewReader(bytes.Join(data, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range res.Entries {
		if e.Tag != "failure" || e.Failure == nil || e.Failure.Tag != "closed" {
			t.Fatalf("repeated entry %d: %+v", i, e.Failure)
		}
	}
	fin := &files.UploadSessionFinishBatchArg{}
	for i, d := range data {
		f := files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(start.SessionIds[i], uint64(len(d))), files.NewCommitInfo("/batch/f"+string(rune('a'+i))))
		fin.Entries = append(fin.Entries, f)
	}
	// content_hash is the hash of the data sent in the call: a finish that
	// carries none and gives the whole file's hash is refused.
	bad := *fin.Entries[0]
	bad.ContentHash = hashOf(data[0])
	done, err := c.UploadSessionFinishBatchV2(&files.UploadSessionFinishBatchArg{Entries: []*files.UploadSessionFinishArg{&bad}})
	if err != nil || done.Entries[0].Failure == nil || done.Entries[0].Failure.Tag != "content_hash_mismatch" {
		t.Fatalf("a whole-file hash on a finish without data: %+v %v", done, err)
	}
	done, err = c.UploadSessionFinishBatchV2(fin)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range done.Entries {
		if e.Success == nil || e.Success.ContentHash != hashOf(data[i]) || e.Success.Size != uint64(len(data[i])) {
			t.Fatalf("commit %d: %+v %+v", i, e.Success, e.Failure)
		}
	}
	if _, content, err := s.File("/batch/fc"); err != nil || !bytes.Equal(content, data[2]) {
		t.Fatal("stored content differs")
	}
	if got := s.Stats().Routes["files/upload_session/append_batch"].Requests; got != 2 {
		t.Fatalf("append_batch requests counted: %d", got)
	}
}

func TestAppendBatchErrors(t *testing.T) {
	_, base := start(t, Options{})
	c := files.New(config(base, testToken))
	start, _ := c.UploadSessionStartBatch(&files.UploadSessionStartBatchArg{NumSessions: 2})
	entry := func(id string, off, n uint64) *files.UploadSessionAppendBatchArgEntry {
		return files.NewUploadSessionAppendBatchArgEntry(files.NewUploadSessionCursor(id, off), n)
	}
	// Lengths that do not add up to the body.
	_, err := c.UploadSessionAppendBatch(&files.UploadSessionAppendBatchArg{Entries: []*files.UploadSessionAppendBatchArgEntry{entry(start.SessionIds[0], 0, 5)}}, strings.NewReader("abc"))
	var ae files.UploadSessionAppendBatchAPIError
	if !errors.As(err, &ae) || ae.EndpointError == nil || ae.EndpointError.Tag != "length_mismatch" {
		t.Fatalf("length mismatch: %v", err)
	}
	// A wrong content hash.
	_, err = c.UploadSessionAppendBatch(&files.UploadSessionAppendBatchArg{Entries: []*files.UploadSessionAppendBatchArgEntry{entry(start.SessionIds[0], 0, 3)}, ContentHash: hashOf([]byte("xyz"))}, strings.NewReader("abc"))
	if !errors.As(err, &ae) || ae.EndpointError.Tag != "content_hash_mismatch" {
		t.Fatalf("hash mismatch: %v", err)
	}
	// Per-entry failures: an unknown session, a wrong offset; the good one succeeds.
	res, err := c.UploadSessionAppendBatch(&files.UploadSessionAppendBatchArg{Entries: []*files.UploadSessionAppendBatchArgEntry{
		entry("pid_upload_session:nope", 0, 1), entry(start.SessionIds[0], 7, 1), entry(start.SessionIds[1], 0, 1),
	}}, strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	tags := []string{res.Entries[0].Failure.Tag, res.Entries[1].Failure.Tag, res.Entries[2].Tag}
	if tags[0] != "not_found" || tags[1] != "incorrect_offset" || tags[2] != "success" {
		t.Fatalf("entry tags %v", tags)
	}
}

// TestConcurrentSessionHashJoinedFromChunks checks the hash a concurrent
// session gets from its chunks' block digests against the SDK's.
func TestConcurrentSessionHashJoinedFromChunks(t *testing.T) {
	s, base := start(t, Options{})
	c := files.New(config(base, testToken))
	data := pattern(3*store.ConcurrentBlock+11, 3)
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: "concurrent"}}
	st, err := c.UploadSessionStart(arg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, 2 * store.ConcurrentBlock} { // the last one closes
		a := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(st.SessionId, uint64(off)))
		end := off + 2*store.ConcurrentBlock
		if end > len(data) {
			end, a.Close = len(data), true
		}
		if err := c.UploadSessionAppendV2(a, bytes.NewReader(data[off:end])); err != nil {
			t.Fatal(err)
		}
	}
	m, err := c.UploadSessionFinish(files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(st.SessionId, uint64(len(data))), files.NewCommitInfo("/big")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHash != hashOf(data) {
		t.Fatalf("hash %s, want %s", m.ContentHash, hashOf(data))
	}
	if _, content, _ := s.File("/big"); !bytes.Equal(content, data) {
		t.Fatal("content differs")
	}
}

func TestSink(t *testing.T) {
	_, base := start(t, Options{})
	resp, err := http.Post(base+"/emulator/sink", "application/octet-stream", bytes.NewReader(make([]byte, 12345)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Bytes       int64
		ContentHash string `json:"content_hash"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &got); err != nil || got.Bytes != 12345 || got.ContentHash != hashOf(make([]byte, 12345)) {
		t.Fatalf("sink answered %s (%v)", body, err)
	}
}
