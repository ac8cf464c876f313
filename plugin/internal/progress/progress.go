// Package progress shows what a command is doing while it runs: each phase
// as it happens (scanning, listing, hashing), then one line for the
// transfer, redrawn in place on a terminal or written every so often to a
// log. What a command did, at its end, is package report's.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// Defaults of Options.
const (
	DefaultEvery  = 10 * time.Second       // between plain lines
	DefaultRedraw = 200 * time.Millisecond // between redraws of the terminal line
	RateWindow    = 8 * time.Second        // the rate is averaged over this much time
	StillWaiting  = 3 * time.Second        // the line says that nothing moved for this long
)

// Unit is what a phase counts.
type Unit int

// The units of a phase.
const (
	None      Unit = iota // nothing to count
	Entries               // a count of things (Dropbox entries, files)
	ByteCount             // bytes
)

// Options says how to show progress.
type Options struct {
	// Terminal: W is a terminal; one status line is redrawn in place.
	// Otherwise (CI logs) a line is written at each phase change, every
	// Every, and at the end.
	Terminal bool
	Quiet    bool          // show nothing
	Every    time.Duration // between plain lines; 0: DefaultEvery
	// Width, if not nil, returns the terminal's width: a longer status
	// line is cut to fit, since a line that wraps cannot be redrawn in
	// place. 0 means unknown.
	Width func() int
	// Clock and Manual are for tests: the time, and no ticking goroutine
	// (the test calls Tick).
	Clock  func() time.Time
	Manual bool
}

// Meter shows what a command is doing, from its first second: each
// phase as it happens (reading the config, opening a key file, listing
// Dropbox with a running count, hashing with bytes done), then one line
// for the transfer (transfer.go): files committed and bytes sent of the
// totals, the rates of both over the last RateWindow, and the time left
// from whichever dominates, marked "~" until it settles. It implements
// transfer.Observer; every method is safe for concurrent use and does
// nothing on a nil *Meter.
//
// On a terminal it draws on w, which must be the raw terminal: it escapes
// the text it draws itself (logging.EscapeString), around its own escape
// sequences. Other writes to the same terminal must go through Above.
type Meter struct {
	w     io.Writer
	o     Options
	mu    sync.Mutex
	now   func() time.Time
	start time.Time

	phase      string
	unit       Unit
	count      int64
	total      int64 // of the phase; 0: unknown
	phaseStart time.Time

	verb      string // "uploading", "downloading"; "" before the transfer
	files     int
	bytes     int64
	doneFiles int // committed (or given up on)
	failed    int
	acked     int64 // confirmed in this run: the rate counts these
	inflight  int64 // on their way, not yet confirmed (Sending): the rate counts these too
	resumed   int64 // confirmed in an earlier run: done, not sent now
	lastMove  time.Time
	firstDone time.Time // the first file committed; zero before
	xferStart time.Time
	samples   []sample
	base      sample // the first sample with bytes moved: the rates start there

	drawn     bool // terminal: the status line is on screen
	suspended bool // terminal: someone wrote a partial line (a prompt)
	lastPlain time.Time
	fresh     bool // plain mode: the next line is the first of its phase or transfer
	stop      chan struct{}
	wg        sync.WaitGroup
	closed    bool
}

type sample struct {
	at    time.Time
	moved int64 // acked + inflight
	files int   // doneFiles
}

// New starts a display on w. Call Close when the command ends.
func New(w io.Writer, o Options) *Meter {
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	p := &Meter{w: w, o: o, now: o.Clock, stop: make(chan struct{})}
	if p.now == nil {
		p.now = time.Now
	}
	p.start = p.now()
	if !o.Quiet && !o.Manual {
		p.wg.Add(1)
		go p.ticking(p.tickEvery())
	}
	return p
}

// tickEvery is how often the ticking goroutine calls Tick: the terminal's
// redraw; without a terminal as often, or a tenth of Every if that is
// less, so that plain lines come Every apart, give or take a tick. (A
// ticker of Every itself, started out of step with the first line, wrote
// every other tick: lines 20 s apart.)
func (p *Meter) tickEvery() time.Duration {
	if p.o.Terminal {
		return DefaultRedraw
	}
	return min(DefaultRedraw, max(p.o.Every/10, time.Millisecond))
}

func (p *Meter) ticking(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.Tick()
		}
	}
}

// Tick redraws the terminal line, or writes a plain line when Every has
// passed since the last one.
func (p *Meter) Tick() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.o.Quiet || p.closed || p.phase == "" && p.verb == "" {
		return
	}
	now := p.now()
	p.sampleLocked(now)
	switch {
	case p.o.Terminal:
		p.drawLocked(now)
	case now.Sub(p.lastPlain) >= p.o.Every:
		p.plainLocked(now)
	}
}

// Phase says that the command now does what (a phase such as "listing
// Dropbox \"/dest\""), counting unit, of total if it is known (else 0).
// It is shown at once.
func (p *Meter) Phase(what string, unit Unit, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.unit, p.count, p.total = what, unit, 0, total
	p.phaseStart = p.now()
	p.verb = ""
	p.suspended = false
	p.fresh = true
	p.showLocked()
}

// Add counts n more of the phase's unit.
func (p *Meter) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.count += n
	p.mu.Unlock()
}

// Transfer starts the transfer's line: verb ("uploading", "downloading")
// files files, bytes bytes. It is shown at once.
func (p *Meter) Transfer(verb string, files int, bytes int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.verb, p.files, p.bytes = "", verb, files, bytes
	p.doneFiles, p.failed, p.acked, p.inflight, p.resumed, p.samples = 0, 0, 0, 0, 0, nil
	p.xferStart = p.now()
	p.lastMove, p.firstDone, p.base = p.xferStart, time.Time{}, sample{}
	p.suspended = false
	p.sampleLocked(p.xferStart)
	p.fresh = true
	p.showLocked()
}

// Sending records bytes of file data on their way: +n as a connection
// takes them, minus an attempt's count when it ends (dbx.WithSending), so
// that a pack of small files on a slow link moves the line while it goes,
// not only when Dropbox confirms it whole.
func (p *Meter) Sending(delta int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.inflight += delta
	if delta > 0 {
		p.lastMove = p.now()
	}
	p.mu.Unlock()
}

// Sent records n bytes that Dropbox acknowledged: the request that carried
// them completed.
func (p *Meter) Sent(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.acked += n
	p.lastMove = p.now()
	p.mu.Unlock()
}

// Resumed records n bytes that Dropbox acknowledged in an earlier,
// interrupted run: they count as done, but not in the rate.
func (p *Meter) Resumed(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.resumed += n
	p.mu.Unlock()
}

// Done records a file committed (err nil) or given up on.
func (p *Meter) Done(_ *plan.Item, err error) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.doneFiles++
	if err != nil {
		p.failed++
	}
	now := p.now()
	if p.firstDone.IsZero() {
		p.firstDone = now
	}
	p.lastMove = now
	p.mu.Unlock()
}

// Retrying records a file that will be sent again.
func (p *Meter) Retrying(*plan.Item, error) {}

// Above returns a writer for everything else written to the terminal
// (logs, prompts): each write first clears the status line, which is drawn
// again at the next tick, unless the write left a partial line (a prompt
// waiting for an answer): then nothing is drawn until the next phase.
func (p *Meter) Above(w io.Writer) io.Writer {
	if p == nil || !p.o.Terminal || p.o.Quiet {
		return w
	}
	return aboveWriter{p: p, w: w}
}

type aboveWriter struct {
	p *Meter
	w io.Writer
}

func (a aboveWriter) Write(b []byte) (int, error) {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	a.p.clearLocked()
	if len(b) > 0 && b[len(b)-1] != '\n' {
		a.p.suspended = true
	}
	return a.w.Write(b)
}

// End ends the display of the current phase or transfer, before a
// summary is printed: the terminal line is cleared; in plain mode a
// transfer's last line says where it ended. The next Phase or Transfer
// shows again.
func (p *Meter) End() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked()
}

func (p *Meter) endLocked() {
	switch {
	case p.o.Quiet || p.closed:
	case p.o.Terminal:
		p.clearLocked()
	case p.verb != "":
		now := p.now()
		p.sampleLocked(now)
		fmt.Fprintln(p.w, logging.EscapeString(p.endLine(now)))
	}
	p.phase, p.verb = "", ""
}

// Close ends the display for good (End, and no more ticks).
func (p *Meter) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.endLocked()
	p.closed = true
	close(p.stop)
	p.mu.Unlock()
	p.wg.Wait()
}

// Line describes the progress now in one line, as plain mode writes it.
func (p *Meter) Line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.sampleLocked(now)
	return p.lineLocked(now, false)
}

func (p *Meter) showLocked() {
	if p.o.Quiet || p.closed {
		return
	}
	now := p.now()
	if p.o.Terminal {
		p.drawLocked(now)
	} else {
		p.plainLocked(now)
	}
}

func (p *Meter) plainLocked(now time.Time) {
	p.lastPlain = now
	line := p.lineLocked(now, false)
	if p.fresh {
		line = logging.EscapeString(p.startLine())
	}
	p.fresh = false
	fmt.Fprintln(p.w, line)
}

// startLine is plain mode's first line of a phase or a transfer: what it
// does and how much, without counts that can only be zero yet (a log of
// "listing Dropbox: 0" reads like an empty folder).
func (p *Meter) startLine() string {
	if p.verb == "" {
		if p.unit == ByteCount && p.total > 0 {
			return fmt.Sprintf("%s (%s)", p.phase, report.Bytes(p.total))
		}
		return p.phase
	}
	return fmt.Sprintf("%s %s, %s", p.verb, report.Files(p.files), report.Bytes(p.bytes))
}

func (p *Meter) drawLocked(now time.Time) {
	if p.suspended {
		return
	}
	width := 0
	if p.o.Width != nil {
		width = p.o.Width()
	}
	io.WriteString(p.w, "\r"+fit(p.fieldsLocked(now, true), width)+"\x1b[K")
	p.drawn = true
}

func (p *Meter) clearLocked() {
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// lineLocked is the status in one line, whole: the phase, or the
// transfer (with a bar on a terminal).
func (p *Meter) lineLocked(now time.Time, bar bool) string {
	return fit(p.fieldsLocked(now, bar), 0)
}

// fieldsLocked is the status as fields (see fit), escaped.
func (p *Meter) fieldsLocked(now time.Time, bar bool) []field {
	if p.verb != "" {
		return p.transferFields(now, bar)
	}
	s := p.phase
	switch {
	case p.unit == Entries:
		s += fmt.Sprintf(": %d", p.count)
	case p.unit == ByteCount && p.total > 0:
		s += fmt.Sprintf(": %s of %s", report.Bytes(p.count), report.Bytes(p.total))
	case p.unit == ByteCount:
		s += ": " + report.Bytes(p.count)
	}
	if el := now.Sub(p.phaseStart); el >= time.Second {
		s += fmt.Sprintf(" (%s)", clock(el))
	}
	return []field{{text: logging.EscapeString(s)}}
}

// clock formats d as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
