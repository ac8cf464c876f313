package emulator

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Limits are the real service's limits that a kind emulator would not
// have: a front end that refuses large request headers, a namespace
// locked for a while, a full account, upload sessions that expire. Each
// is off in the zero value. The evidence for each is beside its field;
// docs/emulator.md lists them, and docs/real-dropbox.md says what the
// client does about each.
type Limits struct {
	// MaxHeaderBytes refuses every /2/ request whose headers (the sum of
	// len(name)+len(value), Host included) are larger, before any work.
	// Dropbox's front end is Envoy (dropbox.tech, "How we migrated Dropbox
	// from Nginx to Envoy", 2020; "Server: envoy" on content.dropboxapi.com
	// in ShareX/ShareX#8415), whose max_request_headers_kb defaults to 60
	// KiB and which answers "431 Request Header Fields Too Large" above it
	// (envoy-users, "Request headers size limit", 2018). Dropbox's own
	// limit is unknown, and the Dropbox-API-Arg of upload_session/
	// append_batch holds one entry per file (135 bytes with a real
	// session id): 1,000 entries are about 136 KB. 0: no limit.
	MaxHeaderBytes int
	// HeaderLimitStatus is the status of that refusal: 431 (Envoy's,
	// the default), or 413 or 400, which other front ends answer.
	HeaderLimitStatus int

	// Contention locks the account's namespace for this long from its
	// first commit (or from Server.Contend): every commit is refused with
	// too_many_write_operations, and upload sessions stay valid.
	// dropbox-sdk-js#270: every entry of a finish_batch failed with
	// too_many_write_operations, seven times in a row;
	// git-annex-remote-rclone#61: so did a batch of one; rclone's
	// docs: waits "for 15s or sometimes 300s"; rclone#5156: a whole-call
	// 429 with that reason and retry_after 1. files.stone,
	// UploadSessionFinishError.too_many_write_operations: "You should
	// retry uploading this file". 0: no lock.
	Contention time.Duration
	// ContentionShape is how a locked namespace refuses commits (see
	// Shape*): the default is ShapeEntry.
	ContentionShape string

	// Quota is the bytes the account's files may take; a commit that
	// would take more fails with insufficient_space (files.stone,
	// WriteError.insufficient_space; the real files/upload answer is in
	// ShareX/ShareX#8415), in each commit route's shape, and
	// users/get_space_usage reports it. 0: 2 TiB, never refused.
	Quota int64
	// QuotaTeam makes the account a team member's: the team has twice
	// the Quota, of which the member may use Quota (users.stone
	// TeamSpaceAllocation, user_within_team_space_limit_type stop_sync),
	// and get_space_usage answers the team shape.
	QuotaTeam bool

	// SessionTTL makes upload sessions expire that long after they
	// started: every later use answers not_found (files.stone,
	// UploadSessionLookupError.not_found: "valid for 7 days", 48 hours
	// until 2021; rclone#2158 saw one die after about a day). 0: never.
	SessionTTL time.Duration

	// Now is the clock of Contention and SessionTTL (nil: time.Now), so
	// that a test can run minutes of them in no time.
	Now func() time.Time
}

// How a locked namespace refuses commits (Limits.ContentionShape).
const (
	// ShapeEntry: each entry of finish_batch_v2 fails with
	// too_many_write_operations, upload_session/finish answers 409
	// too_many_write_operations, and files/upload 409
	// path/too_many_write_operations with an upload_session_id that
	// upload_session/finish can commit.
	ShapeEntry = "entry"
	// ShapeCall: every commit route answers 429 with reason
	// too_many_write_operations and Retry-After.
	ShapeCall = "call"
	// ShapeMixed: the two, call after call.
	ShapeMixed = "mixed"
)

func (l Limits) validate() error {
	switch l.HeaderLimitStatus {
	case 0, http.StatusRequestHeaderFieldsTooLarge, http.StatusRequestEntityTooLarge, http.StatusBadRequest:
	default:
		return fmt.Errorf("header limit status %d is not 431, 413 or 400", l.HeaderLimitStatus)
	}
	switch l.ContentionShape {
	case "", ShapeEntry, ShapeCall, ShapeMixed:
	default:
		return fmt.Errorf("contention shape %q is not %q, %q or %q", l.ContentionShape, ShapeEntry, ShapeCall, ShapeMixed)
	}
	if l.MaxHeaderBytes < 0 || l.Quota < 0 {
		return errors.New("limits must not be negative")
	}
	if l.Contention < 0 || l.SessionTTL < 0 {
		return errors.New("durations must not be negative")
	}
	return nil
}

func (l Limits) now() func() time.Time {
	if l.Now == nil {
		return time.Now
	}
	return l.Now
}

// headerBytes is the size of a request's headers as a front end counts
// them: every name and value, Host included.
func headerBytes(r *http.Request) int {
	n := len("Host") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

// refuseHeaders answers a request whose headers pass MaxHeaderBytes, as a
// front end does, and reports whether it did. The body is read first, so
// that the client gets the answer rather than a connection reset. The
// text is the status's reason phrase (Envoy's exact body is not known),
// or, for 400, nginx's ("Request Header Or Cookie Too Large").
func (s *Server) refuseHeaders(w http.ResponseWriter, r *http.Request, rt *route) bool {
	max := s.opts.Limits.MaxHeaderBytes
	if max <= 0 || headerBytes(r) <= max {
		return false
	}
	_, _ = io.Copy(io.Discard, r.Body)
	code := s.opts.Limits.HeaderLimitStatus
	if code == 0 {
		code = http.StatusRequestHeaderFieldsTooLarge
	}
	s.fault(faultHeaderLimit, rt.name)
	text := http.StatusText(code)
	if code == http.StatusBadRequest {
		text = "Request Header Or Cookie Too Large"
	}
	w.Header().Set("Server", "envoy")
	writeText(w, code, text)
	return true
}

// contention is why a commit cannot go through now.
type contention int

const (
	uncontended contention = iota
	overlapped             // another commit holds the account's lock (Options.WriteContention)
	locked                 // the namespace is locked for a while (Limits.Contention)
)

// lockWindow is the time during which the namespace is locked.
type lockWindow struct {
	length time.Duration // from the first commit; 0: only when Contend says
	now    func() time.Time
	calls  atomic.Int64 // commits refused, for ShapeMixed

	mu    chan struct{} // a one-slot lock
	armed bool
	until time.Time
}

func newLockWindow(l Limits) *lockWindow {
	return &lockWindow{length: l.Contention, now: l.now(), mu: make(chan struct{}, 1)}
}

// held reports whether the namespace is locked now, starting the window
// at the first commit.
func (lw *lockWindow) held() bool {
	lw.mu <- struct{}{}
	defer func() { <-lw.mu }()
	now := lw.now()
	if !lw.armed && lw.length > 0 {
		lw.armed, lw.until = true, now.Add(lw.length)
	}
	return now.Before(lw.until)
}

// lock locks the namespace for d from now.
func (lw *lockWindow) lock(d time.Duration) {
	lw.mu <- struct{}{}
	defer func() { <-lw.mu }()
	lw.armed, lw.until = true, lw.now().Add(d)
}

// Contend locks the account's namespace for d from now: every commit is
// refused with too_many_write_operations, in the shape of
// Limits.ContentionShape (POST /emulator/contend).
func (s *Server) Contend(d time.Duration) { s.gate.window.lock(d) }

// ExpireSessions makes every upload session opened so far unknown: each
// later use answers not_found, as an expired session does (POST
// /emulator/expire-sessions).
func (s *Server) ExpireSessions() { s.sessions.CloseAll() }

// wholeCall reports whether a contended commit is refused as a whole call
// (429 too_many_write_operations) rather than per entry (finish_batch_v2)
// or with its route's 409 (batch says which).
func (s *Server) wholeCall(why contention, batch bool) bool {
	if why == overlapped {
		return !batch
	}
	switch s.opts.Limits.ContentionShape {
	case ShapeCall:
		return true
	case ShapeMixed:
		return s.gate.window.calls.Add(1)%2 == 0
	}
	return false
}

// contendedFinish answers upload_session/finish refused for contention.
func (c *call) contendedFinish(why contention) {
	if c.s.wholeCall(why, false) {
		c.contended()
		return
	}
	c.s.fault(faultWriteContention, c.route.name)
	c.fail(store.U("too_many_write_operations"))
}

// contendedUpload answers files/upload refused for contention. The 409
// names a session that holds the data, which upload_session/finish may
// commit (UploadWriteFailed.upload_session_id).
func (c *call) contendedUpload(why contention, content store.Blob, hash string) {
	if c.s.wholeCall(why, false) {
		c.s.store.Blobs.Discard(content)
		c.contended()
		return
	}
	c.s.fault(faultWriteContention, c.route.name)
	id := c.s.sessions.Adopt(content, hash)
	c.fail(store.U("path", "reason", store.U("too_many_write_operations"), "upload_session_id", id))
}

// spaceAllocated is what get_space_usage reports without a quota.
const spaceAllocated = 2 << 40

// users/get_space_usage.
func (s *Server) spaceUsage(c *call) {
	used, quota := s.store.Space()
	if quota == 0 {
		quota = spaceAllocated
	}
	alloc := store.U("individual", "allocated", quota)
	if s.opts.Limits.QuotaTeam {
		alloc = store.U("team", "used", used, "allocated", 2*quota,
			"user_within_team_space_allocated", quota,
			"user_within_team_space_limit_type", store.U("stop_sync"),
			"user_within_team_space_used_cached", used)
	}
	c.ok(map[string]any{"used": used, "allocation": alloc})
}
