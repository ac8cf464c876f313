package dbx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// WithSending counts a body's bytes as the connection takes them, and
// takes an attempt's count back when it ends, so that a retried request
// is counted once at a time: the sum is back at 0 after each attempt, and
// never above the body's size.
func TestSendingCountsEachAttempt(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, 200, `{"session_id":"s1"}`)
	})
	c := f.client(t, Token{AccessToken: "sl.x-token"})
	var mu sync.Mutex
	var sum, most int64
	var ends int // attempts whose count went back to 0
	ctx := WithSending(context.Background(), func(d int64) {
		mu.Lock()
		defer mu.Unlock()
		sum += d
		most = max(most, sum)
		if d < 0 && sum == 0 {
			ends++
		}
	})
	data := bytes.Repeat([]byte("x"), 1<<20)
	if _, err := c.Files.UploadSessionStartContext(ctx, files.NewUploadSessionStartArg(), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if sum != 0 || most != int64(len(data)) || ends != 2 || f.calls.Load() != 2 {
		t.Fatalf("sum %d, most %d, %d attempts ended, %d calls", sum, most, ends, f.calls.Load())
	}
	// Without WithSending, nothing is counted (and nothing breaks).
	if _, err := c.Files.UploadSessionStartContext(context.Background(), files.NewUploadSessionStartArg(), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}
