package dbx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Attacks of a hostile (or broken) server on the HTTP layer. Each must
// cost bounded time and memory and end with a clear error, never a hang.
// Stall timeouts are shrunk; no assertion is about how long anything took.

// hostileClient is a client of f that gives up after two retries and
// counts a stall after stall.
func hostileClient(t *testing.T, f *fake, stall time.Duration, bw int64) *Client {
	u, err := ParseAPIURL(f.srv.URL, "--api-url")
	if err != nil {
		t.Fatal(err)
	}
	p := retry.Policy{MaxRetries: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	return New(Options{APIURL: u, Token: Token{AccessToken: "sl.x-token"}, Policy: &p, StallTimeout: stall, BandwidthLimit: bw})
}

// trickle writes s a byte at a time, every 5 ms, until the client goes.
func trickle(w io.Writer, ctx context.Context, s string) {
	flush := func() {}
	if f, ok := w.(http.Flusher); ok {
		flush = f.Flush
	}
	for i := 0; i < len(s); i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
		if _, err := w.Write([]byte{s[i]}); err != nil {
			return
		}
		flush()
	}
}

// A server that trickles its answer (a byte every few milliseconds; in
// the real case, every 30 s), in the headers or the body, stalls: the
// request fails and is retried, and the call ends with an error that says
// so, instead of taking as long as the server likes.
func TestTrickledAnswersStall(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request){
		"body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			trickle(w, r.Context(), account)
		},
		"headers": func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			trickle(conn, r.Context(), fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: %s\r\nContent-Length: %d\r\n\r\n%s", strings.Repeat("p", 200), len(account), account))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) { h(w, r) })
			c := hostileClient(t, f, 150*time.Millisecond, 0)
			_, err := c.Users.GetCurrentAccountContext(context.Background())
			if err == nil {
				t.Fatal("a trickled answer was waited for to its end")
			}
			e := Explain(err, "checking the account")
			if exit.CodeOf(e) != exit.Dropbox || !strings.Contains(e.Error(), "made no progress for 150ms") {
				t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
			}
			if c.Retries.Network.Load() != 2 || f.calls.Load() != 3 {
				t.Fatalf("%d calls, retries: %s; want 3 calls, 2 network retries", f.calls.Load(), c.Retries)
			}
		})
	}
}

// A server that stops taking an upload's body stalls too.
func TestUnreadUploadStalls(t *testing.T) {
	done := make(chan struct{})
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			<-done // reads nothing, answers nothing
			conn.Close()
		}
	})
	t.Cleanup(func() { close(done) })
	c := hostileClient(t, f, 150*time.Millisecond, 0)
	body := strings.Repeat("x", 32<<20) // beyond what socket buffers hold
	_, err := c.Files.UploadContext(context.Background(), files.NewUploadArg("/a"), strings.NewReader(body))
	if e := Explain(err, "uploading"); exit.CodeOf(e) != exit.Dropbox || !strings.Contains(e.Error(), "made no progress") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}

// Time spent waiting under --bwlimit is no stall, however long: a
// throttled upload that takes many stall timeouts succeeds.
func TestThrottledUploadIsNotAStall(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		writeJSON(w, 200, `{".tag":"file","name":"a","path_lower":"/a","path_display":"/a","id":"id:1","client_modified":"2020-01-01T00:00:00Z","server_modified":"2020-01-01T00:00:00Z","rev":"0123456789","size":1}`)
	})
	c := hostileClient(t, f, 50*time.Millisecond, 64<<10)
	body := strings.Repeat("x", 40<<10) // more than half a second at 64 KiB/s
	if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg("/a"), strings.NewReader(body)); err != nil {
		t.Fatalf("a throttled upload failed: %v (retries: %s)", err, c.Retries)
	}
	if c.Retries.Total() != 0 {
		t.Fatalf("retries: %s", c.Retries)
	}
}

// shrinkAnswers sets the answer caps for a test.
func shrinkAnswers(t *testing.T, ok, other int64) {
	oldOK, oldOther := maxAnswer, maxErrorAnswer
	maxAnswer, maxErrorAnswer = ok, other
	t.Cleanup(func() { maxAnswer, maxErrorAnswer = oldOK, oldOther })
}

// Answers larger than their cap are refused before they are read whole,
// with or without a Content-Length, and not asked for again; a download's
// content has no cap.
func TestOversizedAnswersAreRefused(t *testing.T) {
	shrinkAnswers(t, 8<<10, 2<<10)
	big := `{"error_summary":"` + strings.Repeat("x", 64<<10) + `","error":{".tag":"other"}}`
	cases := map[string]func(w http.ResponseWriter){
		"announced": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", fmt.Sprint(1<<40))
			w.WriteHeader(200)
		},
		"chunked": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"entries":[`)
			w.(http.Flusher).Flush()
			for i := 0; i < 1000; i++ {
				if _, err := io.WriteString(w, `{".tag":"folder","name":"a","path_lower":"/a","path_display":"/a","id":"id:1"},`); err != nil {
					return
				}
			}
		},
		"error": func(w http.ResponseWriter) { writeJSON(w, 409, big) },
		"retryable error": func(w http.ResponseWriter) {
			w.WriteHeader(500)
			io.WriteString(w, big)
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) { h(w) })
			c := hostileClient(t, f, time.Minute, 0)
			_, err := c.Files.ListFolderContext(context.Background(), files.NewListFolderArg(""))
			e := Explain(err, "listing")
			if exit.CodeOf(e) != exit.Protocol || !strings.Contains(e.Error(), `the server at "`+strings.TrimPrefix(f.srv.URL, "http://")+`" answered files/list_folder with more than `) {
				t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
			}
			if f.calls.Load() != 1 {
				t.Fatalf("asked %d times", f.calls.Load())
			}
		})
	}

	content := strings.Repeat("c", 64<<10)
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Dropbox-API-Result", `{".tag":"file","name":"a","path_lower":"/a","path_display":"/a","id":"id:1","client_modified":"2020-01-01T00:00:00Z","server_modified":"2020-01-01T00:00:00Z","rev":"0123456789","size":65536}`)
		io.WriteString(w, content)
	})
	_, rc, err := hostileClient(t, f, time.Minute, 0).Files.DownloadContext(context.Background(), files.NewDownloadArg("/a"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != content {
		t.Fatalf("download: %d bytes, %v", len(got), err)
	}
}

// Text a server chose is cut to 1 KiB in messages, and quoted.
func TestServerTextIsCut(t *testing.T) {
	long := strings.Repeat("é", 150<<10) // 300 KB
	cases := map[string]func(w http.ResponseWriter){
		"error tag": func(w http.ResponseWriter) { // what the client shows of a 409: its tags
			writeJSON(w, 409, `{"error_summary":"path/`+long+`","error":{".tag":"path","path":{".tag":"`+long+`"}}}`)
		},
		"plain 400":  func(w http.ResponseWriter) { http.Error(w, "bad\x1b[2J"+long, 400) },
		"odd status": func(w http.ResponseWriter) { http.Error(w, long, 418) },
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) { h(w) })
			_, err := hostileClient(t, f, time.Minute, 0).Files.GetMetadataContext(context.Background(), files.NewGetMetadataArg("/a"))
			msg := Explain(err, "looking up").Error()
			if len(msg) > 1400 || !strings.Contains(msg, `éé…"`) || strings.Contains(msg, "\x1b") {
				t.Fatalf("message of %d bytes: %.200q…", len(msg), msg)
			}
			if strings.Contains(msg, "a bug in dropbox-post;") {
				t.Fatalf("a server's answer is called a bug: %q", msg)
			}
		})
	}
}

// What a server says never makes the message call it a bug of this
// program: a 400 about the token is a credential error (7), any other is a
// refusal that names --api-url first.
func TestBadRequestIsNoBug(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		http.Error(w, `Error in call to API function "users/get_current_account": The given OAuth 2 access token is malformed.`, 400)
	})
	_, err := hostileClient(t, f, time.Minute, 0).Users.GetCurrentAccountContext(context.Background())
	if e := Explain(err, "checking the account"); exit.CodeOf(e) != exit.Auth || !strings.Contains(e.Error(), "malformed") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}

// An answer that is not JSON where JSON is due is an answer Dropbox never
// gives.
func TestAnswerNotJSON(t *testing.T) {
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"account_id": <html>`)
	})
	_, err := hostileClient(t, f, time.Minute, 0).Users.GetCurrentAccountContext(context.Background())
	if e := Explain(err, "checking the account"); exit.CodeOf(e) != exit.Protocol || !strings.Contains(e.Error(), "not the JSON Dropbox sends") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}

// A null (or anything but an object) where Dropbox sends a JSON object
// would reach the code as an empty result, and a nil pointer: refused.
func TestNullAnswersAreRefused(t *testing.T) {
	for _, body := range []string{"null", " null\n", "", "[]", `"x"`} {
		f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		})
		c := hostileClient(t, f, time.Minute, 0)
		_, err := c.Files.ListFolderContext(context.Background(), files.NewListFolderArg(""))
		e := Explain(err, "listing")
		if exit.CodeOf(e) != exit.Protocol || !strings.Contains(e.Error(), `the server at "`+strings.TrimPrefix(f.srv.URL, "http://")+`" answered files/list_folder with `) {
			t.Errorf("answer %q: explained as %q (code %d)", body, e, exit.CodeOf(e))
		}
	}
	// A void route's null is its answer.
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "null")
	})
	arg := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor("s", 0))
	if err := hostileClient(t, f, time.Minute, 0).Files.UploadSessionAppendV2Context(context.Background(), arg, strings.NewReader("x")); err != nil {
		t.Fatalf("append_v2: %v", err)
	}
}

// A server that does real work before it answers (Dropbox committing a
// batch of files) may take longer than the stall timeout to begin its
// answer: waited for, once, without a retry, up to five times the stall
// timeout. One that never begins to answer still ends, retried, with a
// message that says so. (The server waits twice the stall timeout: the
// stall rule alone would retry it; the margin to the answer timeout is
// three stall timeouts, so a busy machine does not decide the outcome.)
func TestSlowAnswerWaitedFor(t *testing.T) {
	const stall = time.Second
	f := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * stall):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, account)
	})
	c := hostileClient(t, f, stall, 0)
	if _, err := c.Users.GetCurrentAccountContext(context.Background()); err != nil {
		t.Fatalf("an answer that began after twice the stall timeout: %v", err)
	}
	if f.calls.Load() != 1 || c.Retries.Network.Load() != 0 {
		t.Fatalf("%d calls, retries: %s; want the one call waited for", f.calls.Load(), c.Retries)
	}

	never := newFake(t, func(n int64, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c = hostileClient(t, never, 50*time.Millisecond, 0)
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	e := Explain(err, "checking the account")
	if exit.CodeOf(e) != exit.Dropbox || !strings.Contains(e.Error(), "did not begin to answer for 250ms after the request was sent") {
		t.Fatalf("a server that never answers: %q (code %d)", e, exit.CodeOf(e))
	}
	if never.calls.Load() != 3 {
		t.Fatalf("%d calls, want 3 (two retries)", never.calls.Load())
	}
}
