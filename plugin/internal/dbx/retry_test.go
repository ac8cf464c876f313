package dbx

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/hashicorp/go-hclog"
)

type scripted []*http.Response

func (s *scripted) RoundTrip(*http.Request) (*http.Response, error) {
	r := (*s)[0]
	*s = (*s)[1:]
	return r, nil
}

func answer(code int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
}

// TestBackoffIsJitteredUnlessDropboxSaysWhen: a 503 without Retry-After
// waits the jittered backoff (parallel workers must not retry in step); a
// 503 with Retry-After waits what it says.
func TestBackoffIsJitteredUnlessDropboxSaysWhen(t *testing.T) {
	next := &scripted{answer(503, ""), answer(503, "2"), answer(200, "")}
	rt := newRetryTransport(next, DefaultPolicy, hclog.NewNullLogger(), &Retries{}, nil, nil)
	var waits []time.Duration
	rt.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	rt.backoff = func(p retry.Policy, attempt int) time.Duration { return 123 * time.Millisecond }
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/2/x", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	if len(waits) != 2 || waits[0] != 123*time.Millisecond || waits[1] != 2*time.Second {
		t.Fatalf("waits %v, want [123ms 2s]", waits)
	}
}
