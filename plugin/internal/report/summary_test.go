package report

import (
	"bytes"
	"strings"
	"testing"
)

// Every name in a summary is quoted: a name with a newline or an escape
// sequence neither acts on a terminal nor makes a line of its own.
func TestSummaryQuotesNames(t *testing.T) {
	bad := "x\x1b[2J\r\nFAKE: ok"
	ok := true
	for _, s := range []*Summary{
		{Local: bad, Dest: "/d/" + bad, DryRun: true, Planned: []File{{Local: bad, Dropbox: "/d/" + bad, Status: "would upload", Reason: "new"}, {Dropbox: "/d/e", Status: "would create", Reason: "empty folder"}}},
		{Local: bad, Dest: "", Uploaded: 1, LeftOut: []Note{{Local: bad, Reason: "symbolic link"}}, Failures: []File{{Local: bad, Dropbox: "/" + bad, Error: "e"}},
			Verified: &ok, Mismatches: []File{{Local: bad, Dropbox: "/" + bad, Status: "missing"}}, Link: "https://x/" + bad, Manifest: bad},
	} {
		var b bytes.Buffer
		s.WriteText(&b)
		out := b.String()
		for _, line := range strings.Split(out, "\n") {
			if strings.ContainsAny(line, "\x1b\r") || strings.HasPrefix(line, "FAKE") {
				t.Errorf("raw name in %q:\n%s", line, out)
			}
		}
		if !strings.Contains(out, `"x\x1b[2J\r\nFAKE: ok"`) {
			t.Errorf("names not quoted:\n%s", out)
		}
	}
	var b bytes.Buffer
	(&PullSummary{Remote: "/" + bad, Local: bad, KeptFiles: []File{{Local: bad}}, LeftOut: []Note{{Local: bad}}, Failures: []File{{Local: bad, Dropbox: "/" + bad}}}).WriteText(&b)
	if strings.ContainsAny(b.String(), "\x1b\r") || strings.Contains(b.String(), "\nFAKE") {
		t.Errorf("raw name in a pull summary:\n%s", b.String())
	}
	if got := Brief([]Note{{Local: bad, Reason: "r"}}); got != `"x\x1b[2J\r\nFAKE: ok": r` {
		t.Errorf("Brief = %s", got)
	}
}
