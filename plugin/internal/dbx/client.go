// Package dbx makes Dropbox API clients: the official Go SDK's clients over
// one HTTP stack that sends requests to Dropbox or to an emulator
// (--api-url), retries in one place, refreshes access tokens, and never
// hangs on a dead connection. It also explains Dropbox errors to the user.
package dbx

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/users"
	"github.com/hashicorp/go-hclog"
)

// Options configures a Client. The zero value talks to Dropbox with the
// default retry policy; Token must be set.
type Options struct {
	APIURL    *url.URL      // nil: Dropbox itself; else every request goes there
	Token     Token         // the credential
	Log       hclog.Logger  // nil: no logs
	Policy    *retry.Policy // nil: DefaultPolicy
	Conns     int           // connections kept open per host; 0: 16
	UserAgent string
	// StallTimeout fails a request on which the server made no progress
	// for this long (see stallConn), so that a dead network or a server
	// that trickles fails (and is retried) instead of hanging an
	// unattended run. 0: one minute. The wait for an answer's first byte,
	// once a request is written, may last five times as long (see
	// answerFactor).
	StallTimeout time.Duration
	// BandwidthLimit caps the bytes per second of every request and
	// response body together, over all parallel requests (--bwlimit).
	// 0: no limit.
	BandwidthLimit int64
	// Reach gives up on a host that cannot be reached (reach.go); one for
	// every client of a process. nil: one of the client's own, with
	// DefaultNetworkTimeout.
	Reach *Reach
}

// Client holds the SDK clients the tool uses, over one HTTP stack.
type Client struct {
	Files   files.ContextClient
	Sharing sharing.ContextClient
	Users   users.ContextClient
	Retries *Retries
	APIURL  *url.URL
	// Config is the SDK configuration the clients share, for a route they
	// lack (dropbox.NewContext(Config).ExecuteContext); the conformance
	// suite uses it to call a route that does not exist.
	Config dropbox.Config
	tokens *tokenSource
}

// New returns a Client. It does not contact Dropbox.
func New(o Options) *Client {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	policy := DefaultPolicy
	if o.Policy != nil {
		policy = *o.Policy
	}
	if o.Conns <= 0 {
		o.Conns = 16
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = stallTimeout
	}
	counts := &Retries{}
	var base http.RoundTripper = &stallTransport{next: newBaseTransport(o.Conns, o.StallTimeout)}
	if o.BandwidthLimit > 0 {
		base = &limitTransport{next: base, t: newThrottle(o.BandwidthLimit)}
	}
	plain := newRetryTransport(&endpointTransport{base: o.APIURL, userAgent: o.UserAgent, next: base}, policy, o.Log, counts, o.Reach, o.APIURL)
	tokens := newTokenSource(o.Token, &http.Client{Transport: plain}, o.Log)
	hc := &http.Client{Transport: &authTransport{next: plain, tokens: tokens}}
	cfg := dropbox.Config{Client: hc}
	return &Client{
		Files:   files.NewContext(cfg),
		Sharing: sharing.NewContext(cfg),
		Users:   users.NewContext(cfg),
		Retries: counts,
		APIURL:  o.APIURL,
		Config:  cfg,
		tokens:  tokens,
	}
}

// newBaseTransport is the HTTP transport under every request: HTTP/1.1
// only, up to conns connections per host kept open, and connections that
// fail rather than hang when the server stalls (see stallConn).
//
// HTTP/1.1 only, although Dropbox may offer HTTP/2 (which Go's transport
// would otherwise take): a large file's chunks then go on connections of
// their own, each with its own TCP window, and do not share one TCP
// connection under HTTP/2's flow-control window, whose size only Dropbox
// knows (so the link stays full whatever Dropbox's window is). It is also
// cheaper: through the bench's TLS front, a 1 GiB upload took about 30%
// more client CPU over HTTP/2 (2.0-2.3 s against 1.5-1.7 s). Dropbox's own
// Python SDK speaks HTTP/1.1, and the emulator and every benchmark here
// measure it.
func newBaseTransport(conns int, stall time.Duration) *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second, Control: limitUnsent} // each dial is bounded by dialDeadline
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	// Not the default transport's TLS config: cloning it has set that up
	// for HTTP/2, and a client that offers h2 in TLS and then speaks
	// HTTP/1.1 gets HTTP/2 frames back from a server that has both.
	t.TLSClientConfig = &tls.Config{NextProtos: []string{"http/1.1"}}
	t.MaxIdleConns = 4 * conns
	t.MaxIdleConnsPerHost = conns
	t.IdleConnTimeout = stall / 2
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := dialDeadline(ctx)
		defer cancel()
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &stallConn{Conn: c, stall: stall, answer: answerFactor * stall}, nil
	}
	return t
}
