package progress

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// smallFiles plays 3,000 files of 4 KiB through a link of 195 KiB/s, as
// transfer sends them: three packs of 1,000 files, in parallel, each one
// request whose bytes go as the link takes them (Sending), confirmed whole
// at its end (Sent); then Dropbox commits 1,000 files, the first batch 4 s
// after the last byte, the next 2 s apart. It ticks
// every 200 ms, as the terminal does, and calls look at each tick with
// the time since the start and the line.
func smallFiles(t *testing.T, p *Meter, c *fakeClock, look func(at time.Duration, line string)) {
	const link, files, size, packs = 195 << 10, 3000, 4 << 10, 3
	const packBytes = files / packs * size
	p.Transfer("uploading", files, files*size)
	start := c.t
	var sent [packs]float64
	step := func() {
		c.step(200 * time.Millisecond)
		p.Tick()
		look(c.t.Sub(start), p.Line())
	}
	for sent[packs-1] < packBytes {
		for i := range sent {
			n := min(float64(link)*0.2/packs, packBytes-sent[i])
			sent[i] += n
			p.Sending(int64(n))
		}
		if sent[packs-1] >= packBytes {
			for range sent {
				p.Sending(-packBytes)
				p.Sent(packBytes)
			}
		}
		step()
	}
	for batch := 0; batch < packs; batch++ {
		wait := 10 // ticks: the first commit 4 s after the last byte, the next 2 s apart
		if batch == 0 {
			wait = 20
		}
		for i := 0; i < wait; i++ {
			step()
		}
		for i := 0; i < files/packs; i++ {
			p.Done(nil, nil)
		}
	}
	step()
}

// Small files over a slow link: the bytes move from the first second (they
// sat at 0 B for 55 of 64 s when only confirmed requests counted), the rate
// is the link's, the time left is marked "~" until it settles and is then
// right, and when all is sent the line says it waits for the commits, then
// shows files/s.
func TestSmallFilesOverASlowLink(t *testing.T) {
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, true))
	var zero, settledWrong int
	var sawEstimate, sawSettled, sawCommitWait, sawFileRate bool
	const total = 3000 * 4 << 10
	eta := regexp.MustCompile(`ETA (~?)(\d+):(\d\d)`)
	smallFiles(t, p, c, func(at time.Duration, line string) {
		if at >= time.Second && strings.Contains(line, " 0 B/") {
			zero++
		}
		if r, ok := parseRate(t, line); ok && at >= RateWindow && at < 60*time.Second && (r < 0.9*(195<<10) || r > 1.02*(195<<10)) {
			t.Errorf("at %s the rate shown is %.0f B/s, the link's 195 KiB/s: %q", at, r, line)
		}
		if m := eta.FindStringSubmatch(line); m != nil {
			if m[1] == "~" {
				sawEstimate = true
			} else {
				sawSettled = true
				mins, _ := strconv.Atoi(m[2])
				secs, _ := strconv.Atoi(m[3])
				left := time.Duration(mins*60+secs) * time.Second
				// The bytes' end, at the link's rate (the commits, after, are not foreseen).
				all := float64(total) / (195 << 10)
				want := time.Duration(all*float64(time.Second)) - at
				if at < 55*time.Second && (left < want-3*time.Second || left > want+3*time.Second) {
					settledWrong++
					t.Errorf("at %s a settled ETA of %s, %s left: %q", at, left, want, line)
				}
			}
		}
		if strings.Contains(line, "(all sent, waiting 0:03 for the commit)") {
			sawCommitWait = true
		}
		if strings.Contains(line, " files/s") {
			sawFileRate = true
		}
	})
	if zero > 0 {
		t.Errorf("0 B shown at %d ticks of a moving transfer", zero)
	}
	if !sawEstimate || !sawSettled || !sawCommitWait || !sawFileRate {
		t.Errorf("estimate %t, settled %t, waiting for commits %t, files/s %t", sawEstimate, sawSettled, sawCommitWait, sawFileRate)
	}
	if got := p.Line(); !strings.HasPrefix(got, "uploading 3000/3000 files, 11.7 MiB/11.7 MiB") {
		t.Errorf("at the end: %q", got)
	}
}

// A request that fails gives back what it counted: the line goes back, and
// only what Dropbox confirms stays.
func TestSendingTakenBackOnFailure(t *testing.T) {
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, false))
	p.Transfer("uploading", 1, 8<<20)
	p.Sending(4 << 20)
	if got := p.Line(); !strings.Contains(got, " 4.0 MiB/8.0 MiB") {
		t.Fatalf("while sending: %q", got)
	}
	p.Sending(-4 << 20) // the attempt failed
	if got := p.Line(); !strings.Contains(got, " 0 B/8.0 MiB") {
		t.Fatalf("after a failed attempt: %q", got)
	}
	p.Sending(8 << 20)
	p.Sending(-8 << 20)
	p.Sent(8 << 20)
	p.Done(nil, nil)
	if got := p.Line(); !strings.HasPrefix(got, "uploading 1/1 files, 8.0 MiB/8.0 MiB") {
		t.Fatalf("confirmed: %q", got)
	}
}

// fixedState is a transfer 20 s in: 1,200 of 3,000 files committed, 4.7
// MiB of 11.7 sent, steadily.
func fixedState() *Meter {
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, true))
	p.Transfer("uploading", 3000, 3000*4<<10)
	for i := 0; i < 20; i++ {
		c.step(time.Second)
		p.Sending(240 << 10)
		if i >= 5 {
			for j := 0; j < 80; j++ {
				p.Done(nil, nil)
			}
		}
		p.Tick()
	}
	return p
}

// On a terminal the line fits its width, whatever it is: first in short
// forms, then fields go in a fixed order (the bar, the note, files/s,
// bytes/s, then the time left); the counts stay, and are cut with "…" only
// when nothing else is left. 60 columns keep the rate and the time left.
func TestTransferLineFitsTheTerminal(t *testing.T) {
	want := map[int]string{
		0:   "uploading 1200/3000 files [========            ] 4.7 MiB/11.7 MiB, 240.0 KiB/s, 80 files/s, ETA 0:30",
		110: "uploading 1200/3000 files [========            ] 4.7 MiB/11.7 MiB, 240.0 KiB/s, 80 files/s, ETA 0:30",
		95:  "uploading 1200/3000 files [========            ] 4.7/11.7 MiB, 240 KiB/s, 80 files/s, ETA 0:30",
		80:  "uploading 1200/3000 files 4.7/11.7 MiB, 240 KiB/s, 80 files/s, ETA 0:30",
		60:  "uploading 1200/3000 files 4.7/11.7 MiB, 240 KiB/s, ETA 0:30",
		55:  "uploading 1200/3000 files 4.7/11.7 MiB, ETA 0:30",
		40:  "uploading 1200/3000 files 4.7/11.7 MiB",
		30:  "uploading 1200/3000 files 4.…",
	}
	for width, line := range want {
		p := fixedState()
		var out bytes.Buffer
		p.w = &out
		p.o.Width = func() int { return width }
		p.Tick()
		got := strings.TrimSuffix(strings.TrimPrefix(out.String(), "\r"), "\x1b[K")
		if got != line {
			t.Errorf("width %d:\n got %q\nwant %q", width, got, line)
		}
		if width > 0 && utf8.RuneCountInString(got) >= width {
			t.Errorf("width %d: %d characters", width, utf8.RuneCountInString(got))
		}
	}
}

// Without a terminal, a line every Every (10 s), not every other tick of
// a ticker started out of step with the phase's first line (20 s).
func TestPlainLinesEveryTenSeconds(t *testing.T) {
	c := newClock()
	var out bytes.Buffer
	p := New(&out, manual(c, false))
	c.step(time.Millisecond) // the phase starts just after the ticker
	p.Phase(`listing Dropbox "/d"`, Entries, 0)
	var at []time.Duration
	start := c.t
	for i := 0; i < 30*int(time.Second/p.tickEvery()); i++ {
		c.step(p.tickEvery())
		n := len(lines(&out))
		p.Tick()
		if len(lines(&out)) > n {
			at = append(at, c.t.Sub(start).Round(time.Second))
		}
	}
	if fmt.Sprint(at) != "[10s 20s 30s]" {
		t.Fatalf("lines at %v, want every 10 s", at)
	}
}

// A request's first bytes fill the connection's buffers at once: that burst
// is counted as sent, but never shown as speed.
func TestBufferBurstNotInTheRate(t *testing.T) {
	const link = 100 << 10
	c := newClock()
	p := New(&bytes.Buffer{}, manual(c, true))
	p.Transfer("uploading", 1, 8<<20)
	c.step(10 * time.Millisecond)
	p.Sending(512 << 10) // into the buffers
	for i := 0; i < 100; i++ {
		c.step(200 * time.Millisecond)
		p.Sending(link / 5)
		p.Tick()
		if r, ok := parseRate(t, p.Line()); ok && r > link*1.01 {
			t.Fatalf("after %d ticks the rate shown is %.0f B/s, the link's %d: %q", i+1, r, link, p.Line())
		}
	}
	if r, _ := parseRate(t, p.Line()); r < link*0.99 {
		t.Fatalf("a steady link shown as %q", p.Line())
	}
}
