package dbx

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"golang.org/x/time/rate"
)

// A bandwidth limit (--bwlimit) is one token bucket shared by every
// request and response body of a client, whatever the number of parallel
// requests: a body waits, after each read, until the bucket holds the
// bytes it read. Retried requests pay again, as they use the link again.

// throttle is the shared bucket. now and sleep are the clock (a fake one
// in tests).
type throttle struct {
	lim   *rate.Limiter
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// newThrottle returns a bucket of bytesPerSecond. Its burst, the most a
// single read may take at once, is a tenth of a second's worth (between
// 4 KiB and 256 KiB), so that idle time saves up next to nothing.
func newThrottle(bytesPerSecond int64) *throttle {
	burst := int(min(max(bytesPerSecond/10, 4<<10), 256<<10))
	return &throttle{
		lim:   rate.NewLimiter(rate.Limit(bytesPerSecond), burst),
		now:   time.Now,
		sleep: retry.Sleep,
	}
}

// wait blocks until n more bytes may pass (n at most the burst).
func (t *throttle) wait(ctx context.Context, n int) error {
	r := t.lim.ReserveN(t.now(), n)
	if !r.OK() {
		return fmt.Errorf("bandwidth limit: %d bytes exceed the burst", n)
	}
	if d := r.DelayFrom(t.now()); d > 0 {
		if err := t.sleep(ctx, d); err != nil {
			r.CancelAt(t.now())
			return err
		}
	}
	return nil
}

// body paces a request or response body through the bucket.
type body struct {
	io.ReadCloser
	ctx context.Context
	t   *throttle
}

func (b *body) Read(p []byte) (int, error) {
	if burst := b.t.lim.Burst(); len(p) > burst {
		p = p[:burst]
	}
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if werr := b.t.wait(b.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// limitTransport paces the bodies of every request and response through
// one throttle.
type limitTransport struct {
	next http.RoundTripper
	t    *throttle
}

func (l *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody {
		r := req.Clone(ctx)
		r.Body = &body{ReadCloser: req.Body, ctx: ctx, t: l.t}
		if req.GetBody != nil {
			r.GetBody = func() (io.ReadCloser, error) {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return &body{ReadCloser: b, ctx: ctx, t: l.t}, nil
			}
		}
		req = r
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil && resp.Body != nil {
		resp.Body = &body{ReadCloser: resp.Body, ctx: ctx, t: l.t}
	}
	return resp, err
}

// MinRate is the lowest bandwidth limit accepted: 1 KiB/s.
const MinRate = 1 << 10

// ParseRate reads a bandwidth limit in bytes per second: a number with an
// optional binary suffix, K (KiB), M (MiB) or G (GiB), case-insensitive,
// optionally followed by "iB", "B" and "/s" ("10M", "512K", "1.5MiB/s",
// "200000"). A bare number is bytes per second.
func ParseRate(s string) (int64, error) {
	text := strings.TrimSpace(s)
	t := strings.TrimSuffix(strings.ToLower(text), "/s")
	t = strings.TrimSuffix(t, "b")
	t = strings.TrimSuffix(t, "i")
	mult := 1.0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k':
			mult, t = 1<<10, t[:n-1]
		case 'm':
			mult, t = 1<<20, t[:n-1]
		case 'g':
			mult, t = 1<<30, t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a rate: give bytes per second, such as 10M (MiB/s), 512K (KiB/s) or 200000", text)
	}
	bps := v * mult
	if bps < MinRate || bps > 1<<40 {
		return 0, fmt.Errorf("%q is out of range: give from 1K (1 KiB/s) to 1024G", text)
	}
	return int64(bps), nil
}
