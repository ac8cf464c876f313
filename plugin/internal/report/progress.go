// Package report tells the user what a transfer is doing and did: a
// progress bar on a terminal, plain progress lines in logs, a summary in
// text or JSON, and the provenance manifest of each push.
package report

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// DefaultInterval is how often plain progress lines are written when the
// output is not a terminal.
const DefaultInterval = 5 * time.Second

// Progress shows a transfer's progress on w: a bar when w is a terminal,
// a line every interval otherwise (CI logs), nothing when quiet. It
// implements transfer.Observer; its methods may be called concurrently.
type Progress struct {
	w         io.Writer
	verb      string // "uploading", "downloading"
	files     int
	bytes     int64
	start     time.Time
	doneFiles atomic.Int64
	failed    atomic.Int64
	sent      atomic.Int64
	bar       *progressbar.ProgressBar
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// ProgressOptions says how to show progress.
type ProgressOptions struct {
	Verb     string        // "uploading" (default) or "downloading"
	Terminal bool          // w is a terminal: draw a bar
	Quiet    bool          // show nothing
	Interval time.Duration // between plain lines; 0: DefaultInterval
}

// NewProgress starts showing the progress of files files, bytes bytes.
// Call Close when the transfer ends.
func NewProgress(w io.Writer, files int, bytes int64, o ProgressOptions) *Progress {
	if o.Verb == "" {
		o.Verb = "uploading"
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	p := &Progress{w: w, verb: o.Verb, files: files, bytes: bytes, start: time.Now(), stop: make(chan struct{})}
	switch {
	case o.Quiet || files == 0:
	case o.Terminal:
		p.bar = progressbar.NewOptions64(bytes,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(p.describe()),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionUseIECUnits(true),
		)
	default:
		p.wg.Add(1)
		go p.lines(o.Interval)
	}
	return p
}

func (p *Progress) describe() string {
	return fmt.Sprintf("%s %d/%d files", p.verb, p.doneFiles.Load(), p.files)
}

// Sent records n bytes confirmed by Dropbox.
func (p *Progress) Sent(n int64) {
	p.sent.Add(n)
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

// Done records a finished file.
func (p *Progress) Done(it *plan.Item, err error) {
	p.doneFiles.Add(1)
	if err != nil {
		p.failed.Add(1)
	}
	if p.bar != nil {
		p.bar.Describe(p.describe())
	}
}

// Retrying records a file that will be sent again.
func (p *Progress) Retrying(it *plan.Item, err error) {}

// lines writes a plain progress line every interval while something moves.
func (p *Progress) lines(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	var last int64 = -1
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			sent := p.sent.Load()
			if sent == last && p.doneFiles.Load() == 0 {
				continue
			}
			last = sent
			fmt.Fprintln(p.w, p.Line())
		}
	}
}

// Line describes the progress so far in one line.
func (p *Progress) Line() string {
	sent, el := p.sent.Load(), time.Since(p.start)
	rate := float64(sent) / el.Seconds()
	left := "?"
	if rate > 0 && p.bytes >= sent {
		left = time.Duration(float64(p.bytes-sent) / rate * float64(time.Second)).Round(time.Second).String()
	}
	line := fmt.Sprintf("%s: %d/%d files, %s/%s, %s/s, %s left", p.verb, p.doneFiles.Load(), p.files,
		Bytes(sent), Bytes(p.bytes), Bytes(int64(rate)), left)
	if f := p.failed.Load(); f > 0 {
		line += fmt.Sprintf(", %d failed", f)
	}
	return line
}

// Close stops the display.
func (p *Progress) Close() {
	p.closeOnce.Do(func() {
		close(p.stop)
		p.wg.Wait()
		if p.bar != nil {
			p.bar.Finish()
		}
	})
}

// Bytes formats a byte count with binary units: "4.0 KiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
