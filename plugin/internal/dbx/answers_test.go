package dbx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A 429 in plain text (which Dropbox's data-ingress guide says may come,
// meaning too_many_requests) is waited out as its Retry-After says, and
// one that retries do not outlast is a rate limit, not a server that is
// not Dropbox.
func TestPlainTextRateLimit(t *testing.T) {
	plain := func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "0")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Too Many Requests"))
	}
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			plain(w)
			return
		}
		writeJSON(w, 200, account)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	if _, err := c.Users.GetCurrentAccountContext(context.Background()); err != nil {
		t.Fatalf("after two plain-text 429s: %v", err)
	}
	if c.Retries.RateLimit.Load() != 2 {
		t.Fatalf("retry counts: %s", c.Retries)
	}

	always := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) { plain(w) })
	c = always.client(t, Token{AccessToken: "sl.x-token"})
	_, err := c.Files.ListFolderContext(context.Background(), files.NewListFolderArg(""))
	if e := Explain(err, "listing"); exit.CodeOf(e) != exit.Dropbox || !strings.Contains(e.Error(), "rate-limiting") {
		t.Fatalf("a plain-text 429 every time: %v, explained as %v (code %d)", err, e, exit.CodeOf(e))
	}
	if always.calls.Load() != 5 {
		t.Fatalf("%d calls, want 5 (1 + 4 retries)", always.calls.Load())
	}
}

// The client reads the tags of Dropbox's error union, never its
// error_summary, whose trailing dots vary (/, /., /.., /...) and which is
// for people: a summary that says something else entirely changes nothing.
func TestTagsNotSummaries(t *testing.T) {
	for _, summary := range []string{"path/not_found/", "path/not_found/.", "path/not_found/...", "path/not_found", "something/else/..", ""} {
		f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 409, `{"error_summary":"`+summary+`","error":{".tag":"path","path":{".tag":"not_found"}}}`)
		})
		c := f.client(t, Token{AccessToken: "sl.x-token"})
		_, err := c.Files.GetMetadataContext(context.Background(), files.NewGetMetadataArg("/x"))
		if !HasTag(err, "path") || !HasTag(err, "not_found") || HasTag(err, "else") || HasTag(err, "conflict") {
			t.Errorf("summary %q: tags read from %v", summary, err)
		}
		if e := Explain(err, "looking up"); !strings.Contains(e.Error(), "does not exist") {
			t.Errorf("summary %q: explained as %v", summary, e)
		}
	}
	// Write contention is retried by its tags too, nested or not.
	for _, body := range []string{
		`{"error_summary":"","error":{".tag":"path","reason":{".tag":"too_many_write_operations"},"upload_session_id":"s"}}`,
		`{"error_summary":"other/.","error":{".tag":"too_many_write_operations"}}`,
	} {
		if !isWriteContention([]byte(body)) {
			t.Errorf("not contention: %s", body)
		}
	}
	if isWriteContention([]byte(`{"error_summary":"too_many_write_operations/..","error":{".tag":"path","path":{".tag":"conflict"}}}`)) {
		t.Error("a summary alone made contention")
	}
	// An error the client made itself (a batch entry) has only a summary.
	if HasTag(errors.New("path/not_found"), "not_found") {
		t.Error("a plain error has no tags")
	}
}
