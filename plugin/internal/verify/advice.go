package verify

import (
	"fmt"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// changedSide tells which side of a differing file changed last, from the
// local modification time and the client_modified of Dropbox's copy (the
// modification time of the file it was uploaded from, which push sends):
// "here", "dropbox", or "" when either is unknown or they agree to the
// second. Times are a hint for advice, never a reason to send.
func changedSide(local, remote time.Time) string {
	if local.IsZero() || remote.IsZero() {
		return ""
	}
	l, r := local.Truncate(time.Second), remote.Truncate(time.Second)
	switch {
	case l.After(r):
		return "here"
	case r.After(l):
		return "dropbox"
	}
	return ""
}

// Advice says what to do about the differences, depending on which side
// changed: files missing on Dropbox are sent by push; a file edited here
// since it was posted is replaced on Dropbox by push, or restored from
// Dropbox by pull --overwrite; a copy changed on Dropbox is taken by pull
// --overwrite. Neither command is the obvious one when results may have
// been changed on purpose, so both are named. "" when both sides match.
func (r *Result) Advice() string {
	var here, there, unknown int
	for _, e := range r.Different {
		switch e.Changed {
		case "here":
			here++
		case "dropbox":
			there++
		default:
			unknown++
		}
	}
	var advice []string
	if len(r.Missing) > 0 {
		advice = append(advice, "push sends what is missing on Dropbox")
	}
	if here > 0 {
		advice = append(advice, fmt.Sprintf("%s changed here after %s posted: push to replace Dropbox's copy, or pull --overwrite to restore yours from it", report.Files(here), itOrThey(here)))
	}
	if there > 0 {
		advice = append(advice, fmt.Sprintf("%s changed on Dropbox: pull --overwrite to take Dropbox's copy, or push to replace it with yours", report.Files(there)))
	}
	if unknown > 0 {
		advice = append(advice, fmt.Sprintf("%s without a sign of which side changed: look before choosing; push replaces Dropbox's copy, pull --overwrite replaces yours", report.Files(unknown)))
	}
	if len(r.Extra) > 0 {
		advice = append(advice, "files only on Dropbox: pull fetches them; push leaves them")
	}
	return strings.Join(advice, "; ")
}

func itOrThey(n int) string {
	if n == 1 {
		return "it was"
	}
	return "they were"
}
