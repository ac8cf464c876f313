package dbx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{
		"10M": 10 << 20, "512K": 512 << 10, "512k": 512 << 10, "1.5MiB/s": 3 << 19, "2G": 2 << 30,
		"200000": 200000, "64KB": 64 << 10, " 1K ": 1024,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "10X", "-1M", "0", "100", "NaN", "Inf", "2000G", "1e400"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}

// fakeClock is a virtual clock: sleeping moves it forward, nothing else.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

func fakeThrottle(bps int64) (*throttle, *fakeClock) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	th := newThrottle(bps)
	th.now, th.sleep = clock.Now, clock.Sleep
	return th, clock
}

// expected is the virtual time n bytes take through a bucket of bps bytes
// per second that starts full (burst bytes).
func expected(n int64, bps int64, burst int) time.Duration {
	return time.Duration(float64(n-int64(burst)) / float64(bps) * float64(time.Second))
}

func near(got, want time.Duration) bool {
	d := got - want
	return d > -time.Millisecond && d < time.Millisecond
}

// Two bodies read in turn share one bucket: the time is that of their
// bytes together, not of each alone.
func TestThrottleShared(t *testing.T) {
	const bps = 1 << 20
	th, clock := fakeThrottle(bps)
	start := clock.Now()
	a := &body{ReadCloser: io.NopCloser(bytes.NewReader(make([]byte, 3<<20))), ctx: context.Background(), t: th}
	b := &body{ReadCloser: io.NopCloser(bytes.NewReader(make([]byte, 3<<20))), ctx: context.Background(), t: th}
	buf := make([]byte, 1<<20) // larger than the burst: each read is cut to it
	var total int64
	for done := 0; done < 2; {
		done = 0
		for _, r := range []*body{a, b} {
			n, err := r.Read(buf)
			total += int64(n)
			if n > th.lim.Burst() {
				t.Fatalf("a read of %d bytes passed a burst of %d", n, th.lim.Burst())
			}
			if err == io.EOF {
				done++
			}
		}
	}
	if total != 6<<20 {
		t.Fatalf("read %d bytes", total)
	}
	if got, want := clock.Now().Sub(start), expected(total, bps, th.lim.Burst()); !near(got, want) {
		t.Errorf("6 MiB through 1 MiB/s took %v of virtual time, want %v", got, want)
	}
}

// Through the transport, request and response bodies both pay.
func TestLimitTransportPacesBothWays(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		w.Write(data) // echo
	}))
	defer srv.Close()
	const bps = 4 << 20
	th, clock := fakeThrottle(bps)
	c := &http.Client{Transport: &limitTransport{next: http.DefaultTransport, t: th}}
	start := clock.Now()
	resp, err := c.Post(srv.URL, "application/octet-stream", bytes.NewReader(make([]byte, 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n != 2<<20 {
		t.Fatalf("echo of %d bytes", n)
	}
	if got, want := clock.Now().Sub(start), expected(4<<20, bps, th.lim.Burst()); !near(got, want) {
		t.Errorf("2 MiB up and 2 MiB down through 4 MiB/s took %v of virtual time, want %v", got, want)
	}
}
