// Package emulator is a local Dropbox: it serves the Dropbox HTTP API v2 (RPC,
// upload and download routes, OAuth2 token and authorize endpoints) on one
// origin, with the same JSON shapes, status codes and error tags as
// Dropbox, so that the same client code runs against it and against Dropbox
// unchanged. The tests, the benchmarks and the demo use it instead of the
// network.
//
// This package is the HTTP side: routes, argument checks, the wire format,
// OAuth, faults, statistics and recording. The account itself (files,
// folders, shared links, upload sessions, listing cursors) is package
// store's; it lives in memory, or under a data directory when
// Options.DataDir is set (content files plus an append-only journal,
// written with fsync and compacted with temp+fsync+rename). Options add
// latency, a bandwidth limit
// and faults (5xx, 429, dropped connections, write contention) so that
// clients can be tested against what real networks and a busy Dropbox do.
// Test helpers are exposed as methods and, for a separate process, under
// /emulator/ (see admin.go).
package emulator

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hashicorp/go-hclog"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Options configures a Server. The zero value is a working in-memory
// emulator with no tokens (add some with Tokens, AddToken or the OAuth flow).
type Options struct {
	// DataDir, when set, keeps files, shared links and refresh tokens across
	// restarts. Empty means in memory.
	DataDir string
	// Tokens are access tokens that never expire.
	Tokens []string
	// Apps are the registered apps (app key and optional secret). With none,
	// any client_id is accepted by the OAuth endpoints.
	Apps []App
	// TokenLifetime is the lifetime of access tokens issued by /oauth2/token
	// (default 4h, as Dropbox).
	TokenLifetime time.Duration

	// Latency is added to every API request.
	Latency time.Duration
	// Bandwidth limits request and response bodies together, in bytes per
	// second (0 = unlimited).
	Bandwidth int64
	// FailRate is the probability of answering 500 or 503 without doing
	// the work.
	FailRate float64
	// ThrottleRate is the probability of answering 429 too_many_requests.
	ThrottleRate float64
	// RetryAfter is the Retry-After of throttled and contended requests
	// (default 1s). It is sent in whole seconds, rounded down, so that a
	// value under a second gives "Retry-After: 0".
	RetryAfter time.Duration
	// ResetRate is the probability of dropping the connection, either
	// before the work is done or after it is done but before the response.
	ResetRate float64
	// WriteContention makes commits that overlap in time fail with
	// too_many_write_operations, as separate commits to one Dropbox account
	// do. Each commit then takes at least CommitDuration.
	WriteContention bool
	// CommitDuration is how long a commit holds the account's write lock
	// when WriteContention is on (default 5ms).
	CommitDuration time.Duration
	// Seed makes the random faults reproducible (0 = random seed).
	Seed uint64
	// Logger, when set, gets one debug line per API request (route,
	// status, bytes, duration) and one per injected fault.
	Logger hclog.Logger
	// Strict turns on answers the real Dropbox might give where nobody
	// here could confirm what it does (see strict.go).
	Strict Strict
	// Limits are the real service's limits: request headers, a locked
	// namespace, a quota, session lifetime (see limits.go).
	Limits Limits
	// Answers are ways the real service answers otherwise than a kind
	// server: documents that cannot be downloaded, a malformed token,
	// plain-text 429s, noisy error summaries (see answers.go).
	Answers Answers
	// Names are Dropbox's ways with names and paths: NFC, the case of
	// path_display, non-BMP characters, raw UTF-8 in Dropbox-API-Arg (see
	// names.go).
	Names Names
	// Hook, when set, is called as each API request arrives and again
	// when its work is done, before it is answered (see hooks.go). Tests
	// use it to act at a precise point of a client's work.
	Hook Hook
	// Record, when set, is called once for every /2/ API request after it
	// was answered, with the request's JSON argument and the JSON (or text)
	// answer (see record.go). Tests use it to check every shape against
	// Dropbox's spec.
	Record func(Exchange)
}

// App is a registered Dropbox app.
type App struct {
	Key    string
	Secret string // empty: the app has no secret (PKCE only)
}

// Server is a running (or ready to run) emulator. It is safe for concurrent
// use.
type Server struct {
	opts     Options
	store    *store.Store
	sessions *store.Sessions
	auth     *authStore
	stats    *statsRecorder
	faults   *faults
	limiter  *limiter
	routes   map[string]*route
	gate     *commitGate
	jobs     *batchJobs
	answers  *answering

	mu       sync.Mutex
	httpSrv  *http.Server
	listener net.Listener
	closed   bool
	// fresh holds the connections that have not sent a request yet. Close
	// drops them at once: http.Server.Shutdown waits for such a connection
	// (a client's spare dial) for seconds before it counts it as idle.
	fresh map[net.Conn]struct{}
}

// New returns a Server with the given options, reading the data directory
// if there is one.
func New(opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = 4 * time.Hour
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = time.Second
	}
	if opts.CommitDuration == 0 {
		opts.CommitDuration = 5 * time.Millisecond
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	st, err := store.Open(opts.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     opts,
		store:    st,
		sessions: store.NewSessions(st.Blobs),
		stats:    newStatsRecorder(),
		faults:   newFaults(opts, seed),
		limiter:  newLimiter(opts.Bandwidth),
		gate:     newCommitGate(opts.WriteContention, opts.CommitDuration, newLockWindow(opts.Limits)),
		jobs:     newBatchJobs(),
		answers:  newAnswering(seed),
	}
	s.sessions.SetLifetime(opts.Limits.SessionTTL, opts.Limits.Now)
	st.SetQuota(opts.Limits.Quota)
	st.SetNameRules(opts.Names.rules())
	s.auth = newAuthStore(opts, st)
	s.routes = s.routeTable()
	if err := s.placeMarked(); err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// Validate reports options that make no sense (rates outside [0, 1],
// negative durations, an app without a key).
func (o Options) Validate() error {
	rates := []struct {
		name string
		v    float64
	}{{"fail rate", o.FailRate}, {"throttle rate", o.ThrottleRate}, {"reset rate", o.ResetRate}}
	sum := 0.0
	for _, r := range rates {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("%s %v is not between 0 and 1", r.name, r.v)
		}
		sum += r.v
	}
	if sum > 1 {
		return fmt.Errorf("fail, throttle and reset rates add up to %v, more than 1", sum)
	}
	if o.Latency < 0 || o.RetryAfter < 0 || o.TokenLifetime < 0 || o.CommitDuration < 0 {
		return errors.New("durations must not be negative")
	}
	if o.Bandwidth < 0 {
		return errors.New("bandwidth must not be negative")
	}
	if err := o.Strict.validate(); err != nil {
		return err
	}
	if err := o.Limits.validate(); err != nil {
		return err
	}
	if err := o.Answers.validate(); err != nil {
		return err
	}
	if err := o.Names.validate(); err != nil {
		return err
	}
	for _, a := range o.Apps {
		if strings.TrimSpace(a.Key) == "" {
			return errors.New("an app needs a non-empty key")
		}
	}
	return nil
}

// Handler returns the HTTP handler that serves the API. It routes by path
// alone, whatever the Host header says.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Start listens on addr (host:port; port 0 picks a free one) and serves in
// the background. It returns the base URL, e.g. "http://127.0.0.1:41234",
// once the server accepts connections.
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("emulator: server is closed")
	}
	if s.httpSrv != nil {
		return "", errors.New("emulator: server already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.listener = ln
	s.httpSrv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          discardLogger(),
		ConnState:         s.trackConn,
	}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// trackConn keeps s.fresh: the connections that have sent no request yet.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateNew && !s.closed {
		if s.fresh == nil {
			s.fresh = make(map[net.Conn]struct{})
		}
		s.fresh[c] = struct{}{}
		return
	}
	if state == http.StateNew { // accepted while closing
		_ = c.Close()
	}
	delete(s.fresh, c)
}

// URL returns the base URL of a started server, or "".
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops the server (if started) and closes the data directory. Every
// change that was answered with success is already on disk.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv := s.httpSrv
	for c := range s.fresh {
		_ = c.Close()
	}
	s.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		cancel()
	}
	s.sessions.CloseAll()
	return s.store.Close()
}

// serveHTTP dispatches by path: /2/<namespace>/<route>, /oauth2/…, and the
// test helpers under /emulator/.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	// Every answer of Dropbox carries a request id, which its SDKs put in
	// their errors.
	w.Header().Set("X-Dropbox-Request-Id", newRequestID())
	switch {
	case strings.HasPrefix(p, "/2/"):
		name := strings.TrimPrefix(p, "/2/")
		rt := s.routes[name]
		if rt == nil {
			// Dropbox answers 400 with a text body for a route it does not
			// have, e.g. 'Error in call to API function "files/x": Unknown
			// API function: /2/files/x'.
			s.stats.route("unknown").request()
			shown := printable(name)
			writeBadRequest(w, shown, "Unknown API function: /2/"+shown)
			return
		}
		s.serveAPI(s.hooked(w, r, name), r, rt)
	case p == "/oauth2/token":
		s.serveMeasured(w, r, "oauth2/token", s.handleToken)
	case p == "/oauth2/authorize":
		s.serveMeasured(w, r, "oauth2/authorize", s.handleAuthorize)
	case strings.HasPrefix(p, "/emulator/"):
		s.serveAdmin(w, r)
	default:
		http.NotFound(w, r)
	}
}

// newRequestID returns a request id as Dropbox writes them: 32 hex digits.
func newRequestID() string { return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()) }

// printable replaces what a text answer should not echo (control
// characters, invalid UTF-8) with U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
