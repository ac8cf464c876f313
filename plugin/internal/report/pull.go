package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// PullSummary is what one pull did (or, in a dry run, would do). Its File
// entries give Local relative to the local folder.
type PullSummary struct {
	Remote     string `json:"remote"`
	Local      string `json:"local"`
	DryRun     bool   `json:"dry_run,omitempty"`
	Downloaded int    `json:"downloaded"`
	Unchanged  int    `json:"unchanged"`
	Kept       int    `json:"kept"` // differ locally, left alone (no --overwrite)
	Failed     int    `json:"failed"`
	// NotDownloaded counts the files an interruption stopped before they
	// were downloaded (nothing of them is in LOCAL); a pull run again
	// fetches them.
	NotDownloaded int     `json:"not_downloaded,omitempty"`
	Bytes         int64   `json:"bytes_received"`
	Seconds       float64 `json:"seconds"`
	Retries       int64   `json:"retries"`
	KeptFiles     []File  `json:"kept_files,omitempty"`
	Failures      []File  `json:"failures,omitempty"`
	LeftOut       []Note  `json:"left_out,omitempty"` // Dropbox paths not pulled, and why
	Planned       []File  `json:"planned,omitempty"`  // dry run: every file and what would happen
}

// WriteText writes the summary for a person. Files kept because they
// differ locally are listed with what to do.
func (s *PullSummary) WriteText(w io.Writer) {
	remote := dpath.Quote(s.Remote)
	if s.DryRun {
		fmt.Fprintf(w, "dry run: %s → %s: would download %d (%s), %d unchanged, %d kept, %d conflicts; nothing was written\n",
			remote, strconv.Quote(s.Local), s.Downloaded, Bytes(s.Bytes), s.Unchanged, s.Kept, s.Failed)
		for _, f := range s.Planned {
			if f.Status != "unchanged" && f.Status != "kept" {
				fmt.Fprintf(w, "  %-15s %q (%s)\n", f.Status, f.Local, f.Reason)
			}
		}
	} else {
		line := fmt.Sprintf("%s → %s: %d downloaded (%s), %d unchanged, %d kept, %d failed", remote, strconv.Quote(s.Local), s.Downloaded, Bytes(s.Bytes), s.Unchanged, s.Kept, s.Failed)
		if s.NotDownloaded > 0 {
			line += fmt.Sprintf(", %d not downloaded (interrupted)", s.NotDownloaded)
		}
		fmt.Fprintf(w, "%s in %.1fs\n", line, s.Seconds)
	}
	for _, f := range s.KeptFiles {
		fmt.Fprintf(w, "  kept %q: %s here; pass --overwrite to replace it with the Dropbox version\n", f.Local, f.Reason)
	}
	for _, n := range s.LeftOut {
		fmt.Fprintf(w, "  left out %q: %s\n", n.Local, n.Reason)
	}
	s.WriteErrors(w)
}

// WriteErrors writes only the failures (for --quiet).
func (s *PullSummary) WriteErrors(w io.Writer) {
	for _, f := range s.Failures {
		fmt.Fprintf(w, "  FAILED %s → %q: %s\n", dpath.Quote(f.Dropbox), f.Local, oneLine(f.Error))
	}
}
