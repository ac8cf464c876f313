// Package report tells the user what a command did: the summary of a push
// or a pull in text or JSON, and the wording shared by every message (file
// counts, byte counts, quoting). Progress while it runs is package
// progress's; the provenance record is package manifest's.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// File is the outcome of one file, in summaries and manifests.
type File struct {
	Local   string `json:"local"`   // local path, relative to what was pushed
	Dropbox string `json:"dropbox"` // Dropbox path
	Size    int64  `json:"size"`
	Hash    string `json:"content_hash,omitempty"`
	Rev     string `json:"rev,omitempty"`
	Status  string `json:"status"` // uploaded, unchanged, kept, failed, unconfirmed (interrupted), conflict, or in a dry run "would upload"
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Note is a local path left out, and why.
type Note struct {
	Local  string `json:"local"`
	Reason string `json:"reason"`
}

// Summary is what one push did (or, in a dry run, would do).
type Summary struct {
	Local     string `json:"local"`
	Dest      string `json:"dest"`
	DryRun    bool   `json:"dry_run,omitempty"`
	Uploaded  int    `json:"uploaded"`
	Unchanged int    `json:"unchanged"`
	Skipped   int    `json:"skipped"` // kept (--if-exists skip) and left out locally
	Failed    int    `json:"failed"`
	// Unconfirmed counts the files an interruption stopped before Dropbox
	// confirmed them: not sent, or sent and not (yet) committed. They did
	// not fail; running again sends them. Interrupted lists them all.
	Unconfirmed int     `json:"unconfirmed,omitempty"`
	Bytes       int64   `json:"bytes_sent"`
	Seconds     float64 `json:"seconds"`
	Retries     int64   `json:"retries"`
	Commits     int     `json:"commits"`
	Manifest    string  `json:"manifest,omitempty"`
	// ManifestError says why the manifest could not be written, when the
	// push wanted one.
	ManifestError string `json:"manifest_error,omitempty"`
	Link          string `json:"shared_link,omitempty"`
	// Verified is set by --verify: whether Dropbox holds every local file
	// as it is here; Mismatches lists those it does not.
	Verified   *bool  `json:"verified,omitempty"`
	Mismatches []File `json:"mismatches,omitempty"`
	Failures   []File `json:"failures,omitempty"`
	// Interrupted lists the unconfirmed files.
	Interrupted []File `json:"unconfirmed_files,omitempty"`
	LeftOut     []Note `json:"left_out,omitempty"`
	// Filtered counts the files --exclude, --include, --max-size (or an
	// element's params) left out.
	Filtered int `json:"left_out_by_filters,omitempty"`
	// Resumed lists the large files whose interrupted upload was
	// continued ("resumed: …") or started over, and why.
	Resumed []Note `json:"resumed,omitempty"`
	Planned []File `json:"planned,omitempty"` // dry run: every file and what would happen
}

// OK reports whether nothing failed.
func (s *Summary) OK() bool { return s.Failed == 0 }

// MaxListed is how many unconfirmed files a text summary lists; the rest
// are counted, and all are in the manifest and the JSON summary.
const MaxListed = 10

// WriteText writes the summary for a person. Every name and path is quoted
// (Go %q): they come from outside, and must neither act on a terminal nor
// fake a line.
func (s *Summary) WriteText(w io.Writer) {
	dest := dpath.Quote(s.Dest)
	if s.DryRun {
		fmt.Fprintf(w, "dry run: %s → %s: would upload %d (%s), %d unchanged, %d skipped, %d conflicts; nothing was sent\n",
			strconv.Quote(s.Local), dest, s.Uploaded, Bytes(s.Bytes), s.Unchanged, s.Skipped, s.Failed)
		for _, f := range s.Planned {
			if f.Status != "unchanged" {
				fmt.Fprintf(w, "  %-12s %s → %s (%s)\n", f.Status, quoteLocal(f.Local), dpath.Quote(f.Dropbox), f.Reason)
			}
		}
	} else {
		line := fmt.Sprintf("%s → %s: %d uploaded (%s), %d unchanged, %d skipped, %d failed", strconv.Quote(s.Local), dest, s.Uploaded, Bytes(s.Bytes), s.Unchanged, s.Skipped, s.Failed)
		if s.Unconfirmed > 0 {
			line += fmt.Sprintf(", %d not confirmed (interrupted before Dropbox confirmed them; some may be there)", s.Unconfirmed)
		}
		fmt.Fprintf(w, "%s in %.1fs\n", line, s.Seconds)
	}
	for _, n := range s.LeftOut {
		fmt.Fprintf(w, "  left out %q: %s\n", n.Local, n.Reason)
	}
	if s.Filtered > 0 {
		fmt.Fprintf(w, "  left out by filters: %d\n", s.Filtered)
	}
	for _, n := range s.Resumed {
		fmt.Fprintf(w, "  %q: %s\n", n.Local, n.Reason)
	}
	s.WriteErrors(w)
	if s.Verified != nil && *s.Verified {
		fmt.Fprintf(w, "  verified: Dropbox holds every local file with the same content hash\n")
	}
	for i, f := range s.Interrupted {
		if i == MaxListed {
			where := "--output json lists"
			if s.Manifest != "" {
				where = "the manifest and --output json list"
			}
			fmt.Fprintf(w, "  … and %d more not confirmed (%s them all)\n", len(s.Interrupted)-MaxListed, where)
			break
		}
		fmt.Fprintf(w, "  not confirmed: %q → %s\n", f.Local, dpath.Quote(f.Dropbox))
	}
	if s.Link != "" {
		fmt.Fprintf(w, "  shared link: %s\n", QuoteOdd(s.Link))
	}
	if s.Manifest != "" {
		fmt.Fprintf(w, "  manifest: %s\n", QuoteOdd(s.Manifest))
	}
	if s.ManifestError != "" {
		fmt.Fprintf(w, "  manifest: NOT WRITTEN\n")
	}
}

// WriteErrors writes only what went wrong: the failures and the files
// --verify found missing or different (for --quiet).
func (s *Summary) WriteErrors(w io.Writer) {
	for _, f := range s.Failures {
		fmt.Fprintf(w, "  FAILED %q → %s: %s\n", f.Local, dpath.Quote(f.Dropbox), oneLine(f.Error))
	}
	for _, f := range s.Mismatches {
		fmt.Fprintf(w, "  NOT VERIFIED %q → %s: %s (%s)\n", f.Local, dpath.Quote(f.Dropbox), f.Status, f.Reason)
	}
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Brief lists notes in one line for an error message: the first five as
// `"path": reason`, then how many more.
func Brief(notes []Note) string {
	var b strings.Builder
	for i, n := range notes {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(notes)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%q: %s", n.Local, n.Reason)
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

// quoteLocal quotes a local path; an empty one (a folder to create on
// Dropbox, in a dry run) is shown as "-".
func quoteLocal(s string) string {
	if s == "" {
		return "-"
	}
	return strconv.Quote(s)
}

// QuoteOdd returns s, a value from outside that is usually plain (a URL,
// an e-mail address, an app key, scope names, a path this program made), as
// it is when it holds only ASCII letters, digits, spaces and the
// punctuation such values use, and quoted (Go %q) otherwise, so that
// nothing in it can act on a terminal or fake a line.
func QuoteOdd(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" .,-_@+:/=?&%~#", r)) {
			return strconv.Quote(s)
		}
	}
	return s
}
