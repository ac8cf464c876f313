package pull

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// Files Dropbox lets no one download (documents made in its web app, which
// it lists with is_downloadable: false; restricted content) are left out
// with a note naming them, not failures that "run again" would retry: the
// rest is pulled and the pull succeeds.
func TestPullLeavesOutWhatCannotBeDownloaded(t *testing.T) {
	// A download of /s/Sheet.gsheet is refused with unsupported_file
	// although the listing does not say so (the spec makes is_downloadable
	// default to true).
	refuse := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/2/files/download" && strings.Contains(r.Header.Get("Dropbox-API-Arg"), "Sheet.gsheet") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				_, _ = w.Write([]byte(`{"error_summary":"unsupported_file/.","error":{".tag":"unsupported_file"}}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	_, c := start(t, emulator.Options{Answers: emulator.Answers{
		Documents:  []string{"/s/Notes \"draft\".paper"},
		Restricted: []string{"/s/deep/movie.mp4"},
	}}, refuse)
	emutest.Upload(t, c, "/s/a.csv", []byte("a,b\n"))
	emutest.Upload(t, c, "/s/Sheet.gsheet", []byte("{}"))
	emutest.Upload(t, c, "/s/deep/b.csv", []byte("c,d\n"))

	dir := filepath.Join(t.TempDir(), "out")
	sum, err := Run(context.Background(), c, Options{Remote: "/s", Local: dir})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if sum.Downloaded != 2 || sum.Failed != 0 || len(sum.Failures) != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	want := []report.Note{
		{Local: `/s/Notes "draft".paper`, Reason: "a Dropbox document"},
		{Local: "/s/Sheet.gsheet", Reason: "a Dropbox document"},
		{Local: "/s/deep/movie.mp4", Reason: `"restricted_content"`},
	}
	if len(sum.LeftOut) != len(want) {
		t.Fatalf("left out: %+v", sum.LeftOut)
	}
	for i, n := range sum.LeftOut {
		if n.Local != want[i].Local || !strings.Contains(n.Reason, want[i].Reason) {
			t.Errorf("left out %d: %+v, want %q with %q", i, n, want[i].Local, want[i].Reason)
		}
	}
	if got := keys(tree(t, dir)); got != "a.csv deep/ deep/b.csv" {
		t.Errorf("pulled: %s", got)
	}
	var text strings.Builder
	sum.WriteText(&text)
	if !strings.Contains(text.String(), `left out "/s/Notes \"draft\".paper": a Dropbox document`) || !strings.Contains(text.String(), "0 failed") {
		t.Errorf("summary text:\n%s", text.String())
	}

	// Pulling the document alone says so too, and writes nothing.
	one := filepath.Join(t.TempDir(), "one")
	sum, err = Run(context.Background(), c, Options{Remote: `/s/Notes "draft".paper`, Local: one})
	if err != nil || sum.Downloaded != 0 || sum.Failed != 0 || len(sum.LeftOut) != 1 {
		t.Fatalf("the document alone: %+v, %v", sum, err)
	}
}
