package progress

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) step(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock                { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func lines(b *bytes.Buffer) []string      { return strings.Split(strings.TrimSpace(b.String()), "\n") }
func lastLine(b *bytes.Buffer) string     { l := lines(b); return l[len(l)-1] }
func manual(c *fakeClock, term bool) Options {
	return Options{Terminal: term, Clock: c.now, Manual: true}
}

// Without a terminal: a line at each phase change, at once; every 10 s;
// and at the end.
func TestPlainLines(t *testing.T) {
	c := newClock()
	var out bytes.Buffer
	p := New(&out, manual(c, false))
	p.Phase(`reading the config "conf/config.xml"`, None, 0)
	if got := lastLine(&out); got != `reading the config "conf/config.xml"` {
		t.Fatalf("first phase: %q", got)
	}
	p.Phase(`listing Dropbox "/d"`, Entries, 0)
	// The first line of a counted phase has no count yet: "…: 0" would
	// read like an empty folder in a log.
	if got := lastLine(&out); got != `listing Dropbox "/d"` {
		t.Fatalf("listing start: %q", got)
	}
	p.Add(2000)
	c.step(3 * time.Second)
	p.Tick() // under 10 s since the last line: nothing
	if n := len(lines(&out)); n != 2 {
		t.Fatalf("%d lines: %q", n, out.String())
	}
	c.step(8 * time.Second)
	p.Tick()
	if got := lastLine(&out); got != `listing Dropbox "/d": 2000 (0:11)` {
		t.Fatalf("running count: %q", got)
	}
	p.Transfer("uploading", 3, 3<<20)
	if got := lastLine(&out); got != "uploading 3 files, 3.0 MiB" {
		t.Fatalf("transfer start: %q", got)
	}
	c.step(10 * time.Second)
	p.Tick() // then the running counts
	if got := lastLine(&out); got != "uploading 0/3 files, 0 B/3.0 MiB, ETA - (waiting 0:10 for Dropbox)" {
		t.Fatalf("transfer tick: %q", got)
	}
	for i := 0; i < 3; i++ {
		c.step(time.Second)
		p.Sent(1 << 20)
		p.Done(nil, nil)
	}
	p.Close()
	if got := lastLine(&out); got != "uploading finished: 3/3 files, 3.0 MiB/3.0 MiB in 0:13" {
		t.Fatalf("end: %q", got)
	}
	p.Phase("after close", None, 0)
	if strings.Contains(out.String(), "after close") {
		t.Fatal("a closed display wrote")
	}
}

var rateRE = regexp.MustCompile(`([0-9.]+) (B|KiB|MiB|GiB)/s`)

func parseRate(t *testing.T, line string) (float64, bool) {
	m := rateRE.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v * map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]], true
}

// A link of 1 MiB/s carries 8 requests of 8 MiB at once: each is
// acknowledged whole, at its end, so acknowledgements come in bursts of
// 8 MiB. No rate shown may exceed the link's, and the time left is
// labelled.
func TestRateNeverAboveTheLink(t *testing.T) {
	const link = 1 << 20
	c := newClock()
	var out bytes.Buffer
	p := New(&out, manual(c, true))
	const files, size = 40, 8 << 20
	p.Transfer("uploading", files, files*size)
	shown := 0
	// 8 requests in flight share the link: each takes 64 s; then the next
	// 8. Tick every 200 ms, as the terminal does.
	inFlight, sent := 0, 0
	var progress float64 // bytes of the current wave on the link
	for step := 0; sent < files; step++ {
		if inFlight == 0 {
			inFlight = min(8, files-sent)
			progress = 0
		}
		c.step(200 * time.Millisecond)
		progress += link * 0.2
		if progress >= float64(inFlight*size) {
			for i := 0; i < inFlight; i++ {
				p.Sent(size)
				p.Done(nil, nil)
			}
			sent += inFlight
			inFlight = 0
		}
		out.Reset()
		p.Tick()
		line := out.String()
		if !strings.HasPrefix(line, "\r") || !strings.HasSuffix(line, "\x1b[K") {
			t.Fatalf("not a redrawn line: %q", line)
		}
		if r, ok := parseRate(t, line); ok {
			shown++
			if r > link*1.01 {
				t.Fatalf("rate shown %.0f B/s above the link's %d: %q", r, link, line)
			}
			if !regexp.MustCompile(`ETA \d+:\d\d`).MatchString(line) {
				t.Fatalf("no labelled time left: %q", line)
			}
		}
	}
	if shown == 0 {
		t.Fatal("no rate was ever shown")
	}
}

// The rate follows the last window, not the whole transfer: after a fast
// start and a stall, it falls.
func TestRateWindow(t *testing.T) {
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, true))
	p.Transfer("uploading", 2, 100<<20)
	for i := 0; i < 10; i++ {
		c.step(time.Second)
		p.Sent(1 << 20)
		p.Tick()
	}
	if r, _ := parseRate(t, p.Line()); r < 0.9*(1<<20) {
		t.Fatalf("steady 1 MiB/s shown as %q", p.Line())
	}
	for i := 0; i < 20; i++ { // a stall
		c.step(time.Second)
		p.Tick()
	}
	if r, ok := parseRate(t, p.Line()); ok && r > 0 {
		t.Fatalf("a stall of 20 s still shows %q", p.Line())
	}
	if !strings.HasSuffix(p.Line(), "ETA - (waiting 0:20 for Dropbox)") {
		t.Fatalf("the stall is not told: %q", p.Line())
	}
}

// On a terminal, a message clears the status line; a partial line (a
// prompt) stops the drawing until the next phase.
func TestTerminalAbove(t *testing.T) {
	c := newClock()
	var out bytes.Buffer
	p := New(&out, manual(c, true))
	p.Phase(`opening key file "k.enc"`, None, 0)
	if out.String() != "\r"+`opening key file "k.enc"`+"\x1b[K" {
		t.Fatalf("phase drawn as %q", out.String())
	}
	out.Reset()
	above := p.Above(&out)
	above.Write([]byte("Password for key file k.enc: "))
	if out.String() != "\r\x1b[KPassword for key file k.enc: " {
		t.Fatalf("prompt written as %q", out.String())
	}
	out.Reset()
	c.step(time.Second)
	p.Tick()
	if out.Len() != 0 {
		t.Fatalf("drawn over a prompt: %q", out.String())
	}
	p.Phase("listing \x1b[2J", None, 0)
	if !strings.Contains(out.String(), `listing \x1b[2J`) || strings.Count(out.String(), "\x1b") != 1 {
		t.Fatalf("the phase's own text is not escaped: %q", out.String())
	}
	p.Transfer("uploading", 1, 10)
	p.Done(nil, errors.New("x"))
	if !strings.Contains(p.Line(), "1 failed") {
		t.Fatalf("failures not counted: %q", p.Line())
	}
	out.Reset()
	p.Close()
	if out.String() != "\r\x1b[K" {
		t.Fatalf("close wrote %q", out.String())
	}
}

// Bytes acknowledged in an earlier run count as done, not in the rate: a
// resumed upload of 100 MiB does not show 100 MiB/s.
func TestResumedBytesNotInTheRate(t *testing.T) {
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, false))
	p.Transfer("uploading", 1, 200<<20)
	p.Resumed(100 << 20)
	for i := 0; i < 4; i++ {
		c.step(time.Second)
		p.Sent(1 << 20)
		p.Tick()
	}
	line := p.Line()
	if !strings.Contains(line, "104.0 MiB/200.0 MiB, 1.0 MiB/s, ETA ~1:36") { // 4 s: not settled yet
		t.Fatalf("got %q", line)
	}
}

// A status line longer than the terminal is cut, so that it never wraps.
func TestTerminalWidth(t *testing.T) {
	var out bytes.Buffer
	o := manual(newClock(), true)
	o.Width = func() int { return 20 }
	p := New(&out, o)
	p.Phase(`listing Dropbox "/a/very/long/folder/name"`, Entries, 0)
	if out.String() != "\r"+`listing Dropbox "/…`+"\x1b[K" {
		t.Fatalf("drawn as %q", out.String())
	}
}

func TestQuietShowsNothing(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, Options{Quiet: true})
	p.Phase("x", None, 0)
	p.Transfer("uploading", 1, 1)
	p.Tick()
	p.Close()
	if out.Len() != 0 {
		t.Fatalf("quiet wrote %q", out.String())
	}
}
