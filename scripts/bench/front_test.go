package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// TestFrontAnswerWhole: an answer the emulator starts while the front's
// transport has not yet read the end of the request's body reaches the
// client whole. The transport here holds its last read of the body (the
// one that sees its end) until the front has begun to answer, which is
// the order that, on a busy machine, cut a listing page of an unchanged
// 100,000-file re-run short: the server had closed the body meanwhile, the
// transport dropped its connection to the emulator, and the client read
// "unexpected EOF" (exit 8).
func TestFrontAnswerWhole(t *testing.T) {
	answer := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, like a page of 2,000 entries
	emu := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(answer)
	}))
	defer emu.Close()
	f := &front{}
	u, err := url.Parse(emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	f.target.Store(u)

	started := make(chan struct{})
	tr := &lateEnd{next: &http.Transport{}, started: started}
	defer tr.next.CloseIdleConnections()
	h := f.handler(tr)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&startSignal{ResponseWriter: w, started: started}, r)
	}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/2/files/list_folder/continue", "application/json", bytes.NewReader([]byte(`{"cursor":"AAE"}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, answer) {
		t.Fatalf("the client read %d of %d bytes of the answer, error %v", len(got), len(answer), err)
	}
}

// lateEnd is a transport whose requests' bodies, once their Content-Length
// bytes are read, wait until started is closed before the read that finds
// their end.
type lateEnd struct {
	next    *http.Transport
	started chan struct{}
}

func (l *lateEnd) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.ContentLength > 0 {
		r.Body = &lateEndBody{ReadCloser: r.Body, left: r.ContentLength, started: l.started, done: r.Context().Done()}
	}
	return l.next.RoundTrip(r)
}

type lateEndBody struct {
	io.ReadCloser
	left    int64
	started chan struct{}
	done    <-chan struct{}
}

func (b *lateEndBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		select {
		case <-b.started:
		case <-b.done:
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// startSignal closes started once the answer's first bytes have been
// flushed towards the client (the front flushes every write).
type startSignal struct {
	http.ResponseWriter
	started chan struct{}
	once    sync.Once
}

func (s *startSignal) Flush() {
	http.NewResponseController(s.ResponseWriter).Flush()
	s.once.Do(func() { close(s.started) })
}

func (s *startSignal) Unwrap() http.ResponseWriter { return s.ResponseWriter }
