package progress

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// The transfer's line, as a terminal shows it:
//
//	uploading 1200/3000 files [=======             ] 4.7 MiB/11.7 MiB, 190.2 KiB/s, 48 files/s, ETA ~0:37
//
// Files count when Dropbox has committed them; bytes as they are sent
// (Sending), and again when confirmed (Sent). The rates are over the last
// RateWindow. The time left is the larger of the bytes' and the files':
// small files on a fast link wait on commits, a slow link on bytes. It is
// marked "~" until it settles.

// field is one part of a status line: its text, a shorter form of it
// (short, "" for none), and which go first when the terminal is too narrow
// (fit): the highest drop first, 0 never.
type field struct {
	text  string
	short string
	drop  int
}

// The order in which a narrow terminal loses the transfer line's fields,
// first to last: the bar, the note ("waiting …"), files/s, bytes/s, the
// time left. The verb, the file and byte counts, and failures stay.
const (
	keep = iota
	dropETA
	dropByteRate
	dropFileRate
	dropNote
	dropBar
)

// fit joins fields into a line shorter than width (0: any length): if
// the line is too long, in the fields' short forms ("4.7/11.7 MiB",
// "195 KiB/s"), then without the fields that drop first, and what still
// does not fit is cut with "…" (a line that wraps cannot be redrawn in
// place).
func fit(fields []field, width int) string {
	line := func() string {
		var b strings.Builder
		for _, f := range fields {
			b.WriteString(f.text)
		}
		return b.String()
	}
	s := line()
	if width > 1 && utf8.RuneCountInString(s) >= width {
		fields = slices.Clone(fields)
		for i, f := range fields {
			if f.short != "" {
				fields[i].text = f.short
			}
		}
		s = line()
	}
	for width > 1 && utf8.RuneCountInString(s) >= width {
		worst := keep
		for _, f := range fields {
			worst = max(worst, f.drop)
		}
		if worst == keep {
			return string([]rune(s)[:width-2]) + "…"
		}
		kept := fields[:0:0]
		for _, f := range fields {
			if f.drop != worst {
				kept = append(kept, f)
			}
		}
		fields, s = kept, ""
		s = line()
	}
	return s
}

// transferFields is the transfer's status (with a bar on a terminal).
func (p *Meter) transferFields(now time.Time, bar bool) []field {
	done := p.doneBytes()
	fs := []field{{text: fmt.Sprintf("%s %d/%d files", p.verb, p.doneFiles, p.files)}}
	sep := ", "
	if bar {
		fs = append(fs, field{text: " " + drawBar(done, p.bytes, 20), drop: dropBar})
		sep = " "
	}
	fs = append(fs, field{text: fmt.Sprintf("%s%s/%s", sep, report.Bytes(done), report.Bytes(p.bytes)),
		short: sep + bytesOf(done, p.bytes)})
	bytesRate, filesRate := p.byteRate(now), p.fileRate(now)
	if bytesRate > 0 && done < p.bytes { // once all is sent, a rate says nothing
		fs = append(fs, field{text: fmt.Sprintf(", %s/s", report.Bytes(int64(bytesRate))),
			short: fmt.Sprintf(", %s/s", shortBytes(int64(bytesRate))), drop: dropByteRate})
	}
	if filesRate > 0 {
		fs = append(fs, field{text: ", " + perSecond(filesRate, "files"), drop: dropFileRate})
	}
	if eta, known, settled := p.eta(now, bytesRate, filesRate); known {
		mark := "~"
		if settled {
			mark = ""
		}
		fs = append(fs, field{text: ", ETA " + mark + clock(eta), drop: dropETA})
	} else if done < p.bytes || p.doneFiles < p.files {
		fs = append(fs, field{text: ", ETA -", drop: dropETA})
	}
	if note := p.note(now); note != "" {
		fs = append(fs, field{text: " (" + note + ")", drop: dropNote})
	}
	if p.failed > 0 {
		fs = append(fs, field{text: fmt.Sprintf(", %d failed", p.failed)})
	}
	for i := range fs {
		fs[i].text, fs[i].short = logging.EscapeString(fs[i].text), logging.EscapeString(fs[i].short)
	}
	return fs
}

// bytesOf is done of total in one unit when they share it: "4.7/11.7 MiB".
func bytesOf(done, total int64) string {
	d, t := report.Bytes(done), report.Bytes(total)
	if i, j := strings.IndexByte(d, ' '), strings.IndexByte(t, ' '); i > 0 && j > 0 && d[i:] == t[j:] {
		return d[:i] + "/" + t
	}
	return d + "/" + t
}

// shortBytes is report.Bytes without a decimal from 100 up: "195 KiB".
func shortBytes(n int64) string {
	s := report.Bytes(n)
	if i := strings.IndexByte(s, '.'); i >= 3 {
		return s[:i] + s[i+2:]
	}
	return s
}

// doneBytes is what the line counts done: confirmed in this run or an
// earlier one, and on its way.
func (p *Meter) doneBytes() int64 {
	return max(0, min(p.acked+p.inflight+p.resumed, p.bytes))
}

// note says why the line does not move, when it does not.
func (p *Meter) note(now time.Time) string {
	quiet := now.Sub(p.lastMove)
	switch {
	case p.doneFiles >= p.files || quiet < StillWaiting:
		return ""
	case p.doneBytes() >= p.bytes:
		return fmt.Sprintf("all sent, waiting %s for the commit", clock(quiet))
	}
	return fmt.Sprintf("waiting %s for Dropbox", clock(quiet))
}

// perSecond formats a rate of things: "48 files/s", "2.5 files/s".
func perSecond(r float64, what string) string {
	if r < 10 {
		return fmt.Sprintf("%.1f %s/s", r, what)
	}
	return fmt.Sprintf("%.0f %s/s", r, what)
}

// endLine is plain mode's last line.
func (p *Meter) endLine(now time.Time) string {
	how := "stopped"
	if p.doneFiles == p.files {
		how = "finished"
	}
	return fmt.Sprintf("%s %s: %d/%d files, %s/%s in %s", p.verb, how, p.doneFiles, p.files,
		report.Bytes(min(p.acked+p.resumed, p.bytes)), report.Bytes(p.bytes), clock(now.Sub(p.xferStart)))
}

// sampleLocked remembers what moved by now, for the rates.
func (p *Meter) sampleLocked(now time.Time) {
	if p.verb == "" {
		return
	}
	s := sample{now, p.acked + p.inflight, p.doneFiles}
	if p.base.at.IsZero() && s.moved > 0 {
		p.base = s
	}
	p.samples = append(p.samples, s)
	cut := 0
	for cut < len(p.samples)-1 && now.Sub(p.samples[cut+1].at) >= RateWindow {
		cut++ // keep one sample at or before the window's start
	}
	p.samples = p.samples[cut:]
}

// byteRate is the rate of bytes sent and confirmed, in bytes per second,
// over the last RateWindow, but never more than the average since the
// first bytes moved. It starts there, not at the transfer's start: a
// request's first bytes fill the connection's buffers at once, and a
// request confirmed whole says nothing of when its bytes crossed; counted
// from before them, a rate would show more than the link carries. 0 for a
// second, when there is too little to tell.
func (p *Meter) byteRate(now time.Time) float64 {
	since := now.Sub(p.base.at)
	if p.base.at.IsZero() || since < time.Second || len(p.samples) == 0 {
		return 0
	}
	moved := p.acked + p.inflight
	avg := p.byteAverage(now)
	first := p.samples[0]
	if first.at.Before(p.base.at) {
		first = p.base
	}
	window := now.Sub(first.at)
	if window < time.Second {
		return avg
	}
	return max(0, min(avg, float64(moved-first.moved)/window.Seconds()))
}

// byteAverage is the rate of bytes since the first ones moved.
func (p *Meter) byteAverage(now time.Time) float64 {
	since := now.Sub(p.base.at)
	if p.base.at.IsZero() || since <= 0 {
		return 0
	}
	return max(0, float64(p.acked+p.inflight-p.base.moved)/since.Seconds())
}

// fileRate is the rate of files committed, per second, over the last
// RateWindow, counted from a sample taken after the first commit (Dropbox
// commits up to 1000 files at once: the first batch says nothing of the
// pace). 0 when that is less than a second ago.
func (p *Meter) fileRate(now time.Time) float64 {
	if p.firstDone.IsZero() {
		return 0
	}
	for _, s := range p.samples {
		if s.at.Before(p.firstDone) {
			continue
		}
		if window := now.Sub(s.at); window >= time.Second {
			return float64(p.doneFiles-s.files) / window.Seconds()
		}
		break
	}
	return 0
}

// eta is the time left: the larger of what the bytes left take at
// bytesRate and what the files left take at filesRate, of those known.
// It is settled once the transfer has run for two RateWindows, a twentieth
// of it is done, and the window's rate is within 30% of the average.
func (p *Meter) eta(now time.Time, bytesRate, filesRate float64) (left time.Duration, known, settled bool) {
	bytesLeft, filesLeft := p.bytes-p.doneBytes(), p.files-p.doneFiles
	var byBytes, byFiles float64 // seconds
	knownBytes := bytesLeft <= 0 || bytesRate > 0
	knownFiles := filesLeft <= 0 || filesRate > 0
	if bytesLeft > 0 && bytesRate > 0 {
		byBytes = float64(bytesLeft) / bytesRate
	}
	if filesLeft > 0 && filesRate > 0 {
		byFiles = float64(filesLeft) / filesRate
	}
	switch {
	case filesLeft <= 0:
		return 0, true, true
	case bytesLeft <= 0 && !knownFiles: // all sent: the commits decide, at a pace not yet seen
		return 0, false, false
	case !knownBytes && !knownFiles:
		return 0, false, false
	}
	secs := max(byBytes, byFiles)
	left = time.Duration(math.Min(secs, 1e6) * float64(time.Second))
	elapsed := now.Sub(p.xferStart)
	// The dominant quantity's window rate against its average.
	var rate, avg, frac float64
	if byFiles > byBytes {
		rate, avg, frac = filesRate, float64(p.doneFiles)/elapsed.Seconds(), float64(p.doneFiles)/float64(max(p.files, 1))
	} else {
		rate, avg, frac = bytesRate, p.byteAverage(now), float64(p.doneBytes())/float64(max(p.bytes, 1))
	}
	settled = elapsed >= 2*RateWindow && frac >= 0.05 && math.Abs(rate-avg) <= 0.3*avg
	return left, true, settled
}

// drawBar is a bar of width characters filled done/total.
func drawBar(done, total int64, width int) string {
	n := width
	if total > 0 {
		n = int(done * int64(width) / total)
	}
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}
