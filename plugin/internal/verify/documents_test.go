package verify

import (
	"context"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// A document Dropbox lets no one download (is_downloadable: false) cannot
// be compared: only on Dropbox, it is a note, not "only on Dropbox"; where
// a local file has its name, the two differ, and the reason says why.
func TestCompareDocuments(t *testing.T) {
	srv, c := start(t)
	for _, p := range []string{"/d/Notes.paper", "/d/sub/Plan.gdoc"} {
		if _, err := srv.PutDocument(p); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.csv": "1\n", "sub/Plan.gdoc": "a local file of the same name"})
	emutest.Upload(t, c, "/d/a.csv", []byte("1\n"))
	res, err := Compare(context.Background(), c, dir, "/d", local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Matched != 1 || len(res.Extra) != 0 || len(res.Missing) != 0 || paths(res.Different) != "sub/Plan.gdoc" {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res.Different[0].Reason, "not comparable: on Dropbox, a Dropbox document") {
		t.Errorf("reason: %q", res.Different[0].Reason)
	}
	if len(res.LeftOut) != 1 || res.LeftOut[0].Local != "/d/Notes.paper" || !strings.HasPrefix(res.LeftOut[0].Reason, "not compared: a Dropbox document") {
		t.Errorf("left out: %+v", res.LeftOut)
	}
}
