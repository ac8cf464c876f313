package verify

import (
	"fmt"
	"io"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// Summary says in one line how the sides compare.
func (r *Result) Summary() string {
	if r.Manifest != "" {
		return fmt.Sprintf("%d changed, %d vanished, %d appeared", len(r.Different), len(r.Missing), len(r.Extra))
	}
	return fmt.Sprintf("%d missing on Dropbox, %d only on Dropbox, %d different", len(r.Missing), len(r.Extra), len(r.Different))
}

// WriteText writes the comparison for a person: one line, then every file
// that is not the same on both sides.
func (r *Result) WriteText(w io.Writer) {
	verdict := "match"
	if !r.Match() {
		verdict = "differ"
	}
	groups := []struct {
		label   string
		entries []Entry
	}{{"missing", r.Missing}, {"different", r.Different}, {"extra", r.Extra}}
	if r.Manifest != "" {
		fmt.Fprintf(w, "manifest %q ↔ %s: %s: %d the same, %s\n", r.Manifest, dpath.Quote(r.Dest), verdict, r.Matched, r.Summary())
		groups[0].label, groups[1].label, groups[2].label = "vanished", "changed", "appeared"
	} else {
		fmt.Fprintf(w, "%q ↔ %s: %s: %d the same, %s\n", r.Local, dpath.Quote(r.Dest), verdict, r.Matched, r.Summary())
	}
	for _, group := range groups {
		for _, e := range group.entries {
			why := e.Reason
			switch e.Changed {
			case "here":
				why += "; changed here since Dropbox's copy"
			case "dropbox":
				why += "; Dropbox's copy is newer"
			}
			fmt.Fprintf(w, "  %-9s %q (%s)\n", group.label, e.Path, why)
		}
	}
	for _, n := range r.LeftOut {
		fmt.Fprintf(w, "  left out  %q (%s)\n", n.Local, n.Reason)
	}
	if r.Filtered > 0 {
		fmt.Fprintf(w, "  left out by filters: %d\n", r.Filtered)
	}
}
