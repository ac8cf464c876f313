package dbx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/hashicorp/go-hclog"
)

// A host that cannot be reached (its name does not resolve, nothing
// listens, the network is down) is said at once and given up on within a
// bound: the first failed connection is logged as a warning, with when the
// next attempt comes; attempts follow reachWaits, and after the network
// timeout the host is given up on with an *UnreachableError (exit 12).
// Requests that fail while a host is down wait for its next attempt instead
// of trying on their own, so that parallel requests make one attempt at a
// time and one line each. Failures on a connection that was made (a reset,
// a stall) are not this: they are retried as the retry policy says.

// DefaultNetworkTimeout is how long a host that cannot be reached is tried
// before it is given up on.
const DefaultNetworkTimeout = 30 * time.Second

// connectTimeout bounds one connection attempt (name lookup, TCP connect).
const connectTimeout = 10 * time.Second

// reachWaits is the wait after the n-th failed attempt (n from 1): 2, 4, 8,
// then 16 s, the last cut to end at the deadline. With the default timeout
// the attempts start at 0, 2, 6, 14 and 30 s.
func reachWaits(n int) time.Duration {
	return min(time.Second<<min(n, 4), 16*time.Second)
}

// Reach keeps, per host, whether it can be reached. One Reach serves every
// client of a process (Options.Reach), so that a run of several elements
// gives up on a dead network once. Safe for concurrent use.
type Reach struct {
	// Notify, if set, hears each line that is logged as well: where the
	// log is not seen (librec-auto hides stderr), a person may be told.
	Notify func(line string)

	timeout time.Duration
	log     hclog.Logger
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	mu    sync.Mutex
	hosts map[string]*outage
}

// outage is a host that could not be reached at the last attempt.
type outage struct {
	since    time.Time // when the first failed attempt started
	attempts int
	next     time.Time     // the next attempt may start then
	probing  bool          // an attempt is under way
	changed  chan struct{} // closed when an attempt ends
	err      *UnreachableError
}

// NewReach returns a Reach that gives a host up after timeout (0: after
// its first failed attempt) and warns on log.
func NewReach(timeout time.Duration, log hclog.Logger) *Reach {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Reach{timeout: max(timeout, 0), log: log, now: time.Now, sleep: retry.Sleep, hosts: map[string]*outage{}}
}

// UnreachableError is a host given up on: no connection could be made to
// it for the network timeout.
type UnreachableError struct {
	Host     string // as contacted: an --api-url override's host, not Dropbox's
	Cause    string // the last attempt's, such as "connection refused"
	Attempts int
	Waited   time.Duration // from the first attempt's start to giving up
	Err      error         // the last attempt's error
}

func (e *UnreachableError) Error() string {
	if e.Attempts == 1 {
		return fmt.Sprintf("cannot reach %q: %s (1 attempt)", e.Host, e.Cause)
	}
	return fmt.Sprintf("cannot reach %q: %s (%d attempts in %s)", e.Host, e.Cause, e.Attempts, seconds(e.Waited))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// before is called before each attempt of a request to host. When host
// is down it waits for the next attempt, which only one request makes (it
// is the probe); the others wait for its outcome. It returns the error of
// a host given up on.
func (r *Reach) before(ctx context.Context, host string) (probe bool, err error) {
	for {
		r.mu.Lock()
		o := r.hosts[host]
		switch {
		case o == nil:
			r.mu.Unlock()
			return false, nil
		case o.err != nil:
			r.mu.Unlock()
			return false, o.err
		case o.probing:
			ch := o.changed
			r.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return false, ctx.Err()
			}
		case !r.now().Before(o.next):
			o.probing = true
			r.mu.Unlock()
			return true, nil
		default:
			d := o.next.Sub(r.now())
			r.mu.Unlock()
			if err := r.sleep(ctx, d); err != nil {
				return false, err
			}
		}
	}
}

// dialBy returns when a connection attempt to host that starts now must
// have succeeded: connectTimeout from now, but not much beyond the
// network timeout.
func (r *Reach) dialBy(host string) time.Time {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	left := r.timeout
	if o := r.hosts[host]; o != nil {
		left = o.since.Add(r.timeout).Sub(now)
	}
	return now.Add(min(connectTimeout, max(left, time.Second)))
}

// failed records that a connection to host could not be made, on an
// attempt that started at start (probe: it was the outage's attempt). It
// returns an *UnreachableError when host is given up on; otherwise the
// request goes back to before.
func (r *Reach) failed(host string, start time.Time, err error, probe bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.hosts[host]
	switch {
	case o == nil:
		o = &outage{since: start, changed: make(chan struct{})}
		r.hosts[host] = o
	case o.err != nil:
		return o.err
	case !probe:
		// Under way when the outage began, or a connection of its own
		// that another request's attempt did not cover: the outage's
		// attempts decide.
		return nil
	}
	o.attempts++
	o.probing = false
	close(o.changed)
	o.changed = make(chan struct{})
	now := r.now()
	deadline := o.since.Add(r.timeout)
	cause := connectCause(err)
	if !now.Before(deadline) {
		o.err = &UnreachableError{Host: host, Cause: cause, Attempts: o.attempts, Waited: now.Sub(o.since), Err: err}
		return o.err
	}
	wait := min(reachWaits(o.attempts), deadline.Sub(now))
	o.next = now.Add(wait)
	r.say(hclog.Warn, fmt.Sprintf("cannot reach %q: %s; retrying in %s (%d of %d)", host, cause, seconds(wait), o.attempts, planned(o.attempts, o.next, deadline)))
	return nil
}

// planned is how many attempts there will be in all, if each fails at
// once: attempts made, the next at next, and those after it up to the
// deadline.
func planned(attempts int, next, deadline time.Time) int {
	n := attempts + 1
	for t := next; t.Before(deadline); n++ {
		t = t.Add(min(reachWaits(n), deadline.Sub(t)))
	}
	return n
}

// reached records that a request to host got through (an answer, or a
// connection that was made): an outage ends, and says so.
func (r *Reach) reached(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.hosts[host]
	if o == nil || o.err != nil {
		return
	}
	delete(r.hosts, host)
	close(o.changed)
	r.say(hclog.Info, fmt.Sprintf("reached %q again", host))
}

// say logs line, and tells Notify.
func (r *Reach) say(level hclog.Level, line string) {
	r.log.Log(level, line)
	if r.Notify != nil {
		r.Notify(line)
	}
}

// abandoned records that host's attempt ended without telling anything
// (the request was interrupted): another request makes it.
func (r *Reach) abandoned(host string, probe bool) {
	if !probe {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.hosts[host]; o != nil && o.probing {
		o.probing = false
		close(o.changed)
		o.changed = make(chan struct{})
	}
}

// isConnectError reports whether err is a failure to make a connection
// at all: the name did not resolve, or the connection was refused, timed
// out or had no route. Nothing of the request was sent.
func isConnectError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// connectCause says why a connection could not be made, briefly:
// "connection refused", "no such host", "timed out".
func connectCause(err error) string {
	var dns *net.DNSError
	var errno syscall.Errno
	var nerr net.Error
	switch {
	case errors.As(err, &dns) && dns.IsTimeout:
		return "name lookup timed out"
	case errors.As(err, &dns):
		return dns.Err
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return "connection timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	return Clip(firstLine(err.Error()))
}

// seconds formats d for a person: "2 s", "0.3 s", "1 min 30 s".
func seconds(d time.Duration) string {
	switch {
	case d < 10*time.Second && d%time.Second != 0:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	}
	d = d.Round(time.Second)
	if s := int(d/time.Second) % 60; s != 0 {
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), s)
	}
	return fmt.Sprintf("%d min", int(d/time.Minute))
}

// dialByKey is the context key of the time by which a connection attempt
// must have succeeded (Reach.dialBy).
type dialByKey struct{}

// withDialBy bounds the connection attempts of a request's context.
func withDialBy(ctx context.Context, by time.Time) context.Context {
	return context.WithValue(ctx, dialByKey{}, by)
}

// dialDeadline applies withDialBy's bound to a dial.
func dialDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if by, ok := ctx.Value(dialByKey{}).(time.Time); ok {
		return context.WithDeadline(ctx, by)
	}
	return context.WithTimeout(ctx, connectTimeout)
}
