package verify

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
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

// WriteText writes what whoami found for a person. It never shows a token.
func (a *Account) WriteText(w io.Writer, now time.Time) {
	switch {
	case a.Name != "" || a.Email != "":
		fmt.Fprintf(w, "account:    %q <%s>\n", a.Name, report.QuoteOdd(a.Email))
	case a.Note != "":
		fmt.Fprintf(w, "account:    unknown (%s)\n", a.Note)
	}
	cred := a.Credential
	switch {
	case a.AppKey != "" && a.AppSecret:
		cred += fmt.Sprintf(" (app key %s, with app secret)", report.QuoteOdd(a.AppKey))
	case a.AppKey != "":
		cred += fmt.Sprintf(" (app key %s, PKCE, no app secret)", report.QuoteOdd(a.AppKey))
	}
	fmt.Fprintf(w, "credential: %s\n", cred)
	switch {
	case a.Expires != nil && a.AppKey != "":
		fmt.Fprintf(w, "token:      expires %s (in %s); renewed automatically\n", a.Expires.Format(time.RFC3339), a.Expires.Sub(now).Round(time.Minute))
	case a.Expires != nil:
		fmt.Fprintf(w, "token:      expires %s (in %s)\n", a.Expires.Format(time.RFC3339), a.Expires.Sub(now).Round(time.Minute))
	default:
		fmt.Fprintln(w, "token:      expiry unknown: a fixed access token, which lasts a few hours if it came from the App Console; 'dropbox-post auth' makes one that lasts")
	}
	if a.Scopes != nil {
		fmt.Fprintf(w, "scopes:     %s\n", report.QuoteOdd(strings.Join(a.Scopes, " ")))
	} else {
		fmt.Fprintln(w, "scopes:     not listed by Dropbox")
	}
	if d := a.Dest; d != nil {
		state := "can be written"
		if d.Problem != "" {
			state = "CANNOT be written: " + d.Problem
		}
		kind := d.Kind
		if kind == "missing" {
			kind = "not there yet (push creates it)"
		}
		fmt.Fprintf(w, "dest:       %s: %s; %s (checked by %s)\n", dpath.Quote(d.Path), kind, state, d.CheckedBy)
	}
}
