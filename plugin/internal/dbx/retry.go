package dbx

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/hashicorp/go-hclog"
)

// DefaultPolicy is the retry policy of every Dropbox request: the SDK's
// retry.Policy, with limits that suit an unattended run (a few minutes at
// most before giving up with a clear error, never an endless loop).
var DefaultPolicy = retry.Policy{
	MaxRetries:       10,
	InitialBackoff:   250 * time.Millisecond,
	MaxBackoff:       20 * time.Second,
	MaxRetryAfter:    5 * time.Minute,
	Retryable409Tags: []string{"too_many_write_operations"},
}

// maxReplayBody is the largest request body without GetBody that the retry
// layer copies so that it can send it again. The SDK's RPC requests (small
// JSON) are of this kind; upload bodies come with GetBody.
const maxReplayBody = 1 << 20

// Retries counts the retries made, by reason, for reports and tests.
type Retries struct {
	Network    atomic.Int64 // connection dropped, reset or timed out
	Server     atomic.Int64 // HTTP 5xx
	RateLimit  atomic.Int64 // HTTP 429
	Contention atomic.Int64 // 409 too_many_write_operations
}

// Total returns the sum of all retries.
func (r *Retries) Total() int64 {
	return r.Network.Load() + r.Server.Load() + r.RateLimit.Load() + r.Contention.Load()
}

// String reports the counts for logs and summaries.
func (r *Retries) String() string {
	return fmt.Sprintf("%d retries (%d network, %d server errors, %d rate limits, %d write contention)",
		r.Total(), r.Network.Load(), r.Server.Load(), r.RateLimit.Load(), r.Contention.Load())
}

// retryTransport is the one place where retry decisions are made, like
// rclone's shouldRetry. It retries dropped connections, 5xx, 429 and 409
// too_many_write_operations, waiting as the SDK's retry.Policy says
// (honouring Retry-After); everything else goes back to the caller at once.
//
// The SDK's own Config.RetryPolicy is left off: its policy retries only 429,
// 503 and tagged 409s, and not dropped connections, so it would be a second,
// weaker place.
//
// A failure to connect at all is Reach's to decide (reach.go): it is not
// counted against the policy's retries, and waits for the host's next
// attempt.
type retryTransport struct {
	next    http.RoundTripper
	policy  retry.Policy
	log     hclog.Logger
	counts  *Retries
	reach   *Reach
	base    *url.URL // the API URL override, if any: the host contacted
	sleep   func(context.Context, time.Duration) error
	backoff func(retry.Policy, int) time.Duration
}

func newRetryTransport(next http.RoundTripper, p retry.Policy, log hclog.Logger, counts *Retries, reach *Reach, base *url.URL) *retryTransport {
	if reach == nil {
		reach = NewReach(DefaultNetworkTimeout, log)
	}
	return &retryTransport{
		next: next, policy: p.Normalized(), log: log, counts: counts, reach: reach, base: base,
		sleep: retry.Sleep, backoff: jitteredBackoff,
	}
}

// host is the host a request goes to: the override's for Dropbox's hosts.
func (t *retryTransport) host(req *http.Request) string {
	if t.base != nil && dropboxHost(req.URL.Hostname()) {
		return t.base.Host
	}
	return req.URL.Host
}

// jitteredBackoff spreads the policy's backoff over [50%, 100%] so that
// parallel workers that failed together do not retry together.
func jitteredBackoff(p retry.Policy, attempt int) time.Duration {
	d := p.Backoff(attempt)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// RoundTrip sends req, retrying as the policy says, and gives a 429 in
// plain text, which Dropbox may send, the shape of a JSON one.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	if err == nil {
		plainRateLimit(resp)
	}
	return resp, err
}

// plainRateLimit rewrites a 429 whose body is not JSON as the
// RateLimitError Dropbox sends in JSON: reason too_many_requests, and
// retry_after from the Retry-After header. Dropbox's data-ingress guide:
// "the body of a 429 response may be JSON or plain text… You can assume
// that a plain text response is equivalent to too_many_requests." (The
// SDK would otherwise fail to decode it, and the answer would pass for a
// server that is not Dropbox.)
func plainRateLimit(resp *http.Response) {
	if resp.StatusCode != http.StatusTooManyRequests || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return
	}
	wait, err := strconv.ParseUint(strings.TrimSpace(resp.Header.Get("Retry-After")), 10, 32)
	if err != nil {
		wait = 1 // the spec's default retry_after
	}
	data := fmt.Appendf(nil, `{"error_summary":"too_many_requests/","error":{"reason":{".tag":"too_many_requests"},"retry_after":%d}}`, wait)
	if resp.Body != nil {
		resp.Body.Close()
	}
	resp.Body = &wholeBody{Reader: bytes.NewReader(data), data: data}
	resp.ContentLength = int64(len(data))
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
}

func (t *retryTransport) roundTrip(req *http.Request) (*http.Response, error) {
	if err := makeReplayable(req); err != nil {
		return nil, err
	}
	ctx := req.Context()
	host := t.host(req)
	for attempt, sent := 0, 0; ; attempt++ {
		probe, err := t.reach.before(ctx, host)
		if err != nil {
			return nil, err
		}
		r := req.WithContext(withDialBy(ctx, t.reach.dialBy(host)))
		if sent > 0 {
			r = r.Clone(r.Context())
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		sent++
		start := t.reach.now()
		endSending := countSending(r)
		resp, err := t.next.RoundTrip(r)
		endSending()
		switch {
		case err != nil && isConnectError(err):
			if ctx.Err() != nil {
				t.reach.abandoned(host, probe)
				return nil, err
			}
			if failed := quietConnect(ctx); failed != nil && !probe {
				failed()
				return nil, err
			}
			if err := t.reach.failed(host, start, err, probe); err != nil {
				return nil, err
			}
			t.counts.Network.Add(1)
			if !t.replayable(req) {
				return nil, err
			}
			attempt-- // Reach bounds these, not the policy
			continue
		case err != nil && ctx.Err() != nil:
			t.reach.abandoned(host, probe)
		default:
			t.reach.reached(host)
		}
		if err == nil && (!isDownload(req) || retryableStatus(resp.StatusCode)) {
			// An answer in JSON (capped in size by capAnswer) is read whole
			// here, so that a connection lost or stalled while it comes is
			// retried too.
			err = readWhole(resp)
			if err == nil {
				err = checkShape(req, resp)
			}
		}
		if err != nil {
			if ctx.Err() != nil || !retryableNetError(err) || !t.replayable(req) || !t.policy.CanRetry(attempt) {
				return nil, err
			}
			t.counts.Network.Add(1)
			wait := t.backoff(t.policy, attempt)
			t.log.Debug("retrying after a network error", "url", req.URL.Path, "error", err, "attempt", attempt+1, "wait", wait)
			if err := t.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if !retryableStatus(resp.StatusCode) {
			showAnswered(req, resp)
			return resp, nil
		}
		body := resp.Body.(*wholeBody).data
		reason := retryReason(resp.StatusCode, body)
		if reason == "" || !t.replayable(req) || !t.policy.CanRetry(attempt) {
			return resp, nil
		}
		wait, ok := t.policy.Delay(resp, body, attempt)
		switch {
		case !ok && resp.Header.Get("Retry-After") != "" && (reason == "rate_limit" || resp.StatusCode == http.StatusServiceUnavailable):
			// The SDK policy refuses a Retry-After above MaxRetryAfter:
			// give up rather than wait that long.
			return resp, nil
		case !ok, resp.Header.Get("Retry-After") == "" && reason != "rate_limit":
			// The SDK policy does not know 500/502/504 or a nested
			// too_many_write_operations, and its plain backoff has no
			// jitter: parallel workers that failed together would retry
			// together. (A 429 keeps the wait its body may give.)
			wait = t.backoff(t.policy, attempt)
		}
		t.count(reason)
		t.log.Debug("retrying", "url", req.URL.Path, "status", resp.StatusCode, "reason", reason, "attempt", attempt+1, "wait", wait)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (t *retryTransport) count(reason string) {
	switch reason {
	case "server":
		t.counts.Server.Add(1)
	case "rate_limit":
		t.counts.RateLimit.Add(1)
	case "contention":
		t.counts.Contention.Add(1)
	default:
		t.counts.Network.Add(1)
	}
}

func (t *retryTransport) replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// makeReplayable gives a small body without GetBody (the SDK's RPC
// requests) a GetBody, so that it can be sent again.
func makeReplayable(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil
	}
	if req.ContentLength < 0 || req.ContentLength > maxReplayBody {
		return nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.Body, _ = req.GetBody()
	return nil
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusConflict || code >= 500 && code <= 599
}

// retryReason says why a response should be retried, or "" if it should not.
func retryReason(code int, body []byte) string {
	switch {
	case code == http.StatusTooManyRequests:
		return "rate_limit"
	case code >= 500 && code <= 599 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported:
		return "server"
	case code == http.StatusConflict && isWriteContention(body):
		return "contention"
	}
	return ""
}

// isWriteContention reports whether a 409 body is too_many_write_operations,
// at the top (upload_session/finish) or nested (files/upload's
// {".tag": "path", "reason": {".tag": "too_many_write_operations"}}). It
// reads the tags of "error", not error_summary.
func isWriteContention(body []byte) bool {
	var e struct {
		Error any `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && slices.Contains(jsonTags(e.Error, nil, 0), "too_many_write_operations")
}

// jsonTags adds the ".tag" values found in v (decoded JSON), outermost
// first.
func jsonTags(v any, tags []string, depth int) []string {
	m, ok := v.(map[string]any)
	if !ok || depth > 16 {
		return tags
	}
	if tag, ok := m[".tag"].(string); ok {
		tags = append(tags, tag)
	}
	for k, x := range m {
		if k != ".tag" {
			tags = jsonTags(x, tags, depth+1)
		}
	}
	return tags
}

// retryableNetError reports whether a transport error is worth another try:
// connections dropped, reset or timed out are; certificate errors,
// malformed requests and answers Dropbox never gives are not.
func retryableNetError(err error) bool {
	var answer *AnswerError
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &answer) {
		return false
	}
	var certErr *x509.CertificateInvalidError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	return !strings.Contains(err.Error(), "unsupported protocol scheme")
}

// readWhole reads an answer's body into memory, so that it can be read
// again.
func readWhole(resp *http.Response) error {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= maxAnswer {
		// one allocation at the announced size (a listing's page is
		// about 700 KB), not io.ReadAll's doublings; bytes.MinRead more
		// lets ReadFrom see the end without growing
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(resp.Body)
	data := buf.Bytes()
	resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = &wholeBody{Reader: bytes.NewReader(data), data: data}
	return nil
}

// wholeBody is a body read whole into memory.
type wholeBody struct {
	*bytes.Reader
	data []byte
}

func (*wholeBody) Close() error { return nil }
