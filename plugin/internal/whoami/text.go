package whoami

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

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
	switch {
	case a.Scopes != nil && a.ScopesFrom == "key file":
		fmt.Fprintf(w, "scopes:     %s (as recorded in the key file when it was made)\n", report.QuoteOdd(strings.Join(a.Scopes, " ")))
	case a.Scopes != nil:
		fmt.Fprintf(w, "scopes:     %s\n", report.QuoteOdd(strings.Join(a.Scopes, " ")))
	default:
		fmt.Fprintln(w, "scopes:     unknown: not listed by Dropbox, nor recorded in the key file ('dropbox-post auth' records them)")
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
