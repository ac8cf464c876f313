package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Listings from a hostile server. The server gives up after giveUp pages
// (has_more false), so that a listing that would loop for ever (without
// the bounds) ends, successfully, and the test fails rather than hangs.
const giveUp = 2000

// page is what the fake answers to list_folder (n = 0) and to each
// list_folder/continue (n = 1, 2, …).
type page func(n int64) (entries []string, cursor string, more bool)

func listingServer(t *testing.T, p page) (*dbx.Client, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := calls.Add(1) - 1
		entries, cursor, more := p(n)
		if n >= giveUp {
			more = false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"entries":[%s],"cursor":%q,"has_more":%t}`, strings.Join(entries, ","), cursor, more)
	}))
	t.Cleanup(srv.Close)
	u, err := dbx.ParseAPIURL(srv.URL, "--api-url")
	if err != nil {
		t.Fatal(err)
	}
	return dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AccessToken: "sl.x"}, Policy: &emutest.FastPolicy}), &calls
}

func file(path string, size uint64) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	b, _ := json.Marshal(map[string]any{".tag": "file", "name": name, "path_lower": strings.ToLower(path), "path_display": path,
		"id": "id:" + name, "client_modified": "2020-01-01T00:00:00Z", "server_modified": "2020-01-01T00:00:00Z", "rev": "0123456789", "size": size,
		"content_hash": strings.Repeat("0", 64)})
	return string(b)
}

func shrink(t *testing.T, v *int64, to int64) {
	old := *v
	*v = to
	t.Cleanup(func() { *v = old })
}

// Each attack ends in an error that says what the server did (exit 11;
// 2 for more entries than are listed at once, which a folder may hold),
// after few requests; each is checked against a listing that ends.
func TestHostileListings(t *testing.T) {
	shrink(t, &pageSlack, 5)
	shrink(t, &maxEntries, 500)
	shrink(t, &maxTotalSize, 1<<45)
	cases := []struct {
		name  string
		page  page
		want  string
		calls int64 // requests before the error, at most
	}{
		{"cursor repeats", func(n int64) ([]string, string, bool) {
			return []string{file(fmt.Sprintf("/d/f%d", n), 1)}, "same-cursor", true
		}, `the server gave the same cursor again after 2 pages`, 2},
		{"empty pages for ever", func(n int64) ([]string, string, bool) {
			return nil, fmt.Sprintf("cursor-%d", n), true
		}, `the server gave 6 pages for 0 entries, and said there were more`, 6},
		{"entries without end", func(n int64) ([]string, string, bool) {
			var es []string
			for i := range 100 {
				es = append(es, file(fmt.Sprintf("/d/f%d-%d", n, i), 1))
			}
			return es, fmt.Sprintf("cursor-%d", n), true
		}, `the server listed more than 500 entries, more than dropbox-post lists at once: give a folder below it`, 6},
		{"no cursor", func(n int64) ([]string, string, bool) { return nil, "", true }, `gave no cursor`, 1},
		{"size 2^63-1", func(n int64) ([]string, string, bool) {
			return []string{file("/d/huge", 1<<63-1)}, "c", false
		}, `the server says "/d/huge" holds 9223372036854775807 bytes, more than any file on Dropbox`, 1},
		{"size 64 TiB", func(n int64) ([]string, string, bool) {
			return []string{file("/d/huge", 64<<40)}, "c", false
		}, `more than any file on Dropbox`, 1},
		{"sizes that add up beyond any account", func(n int64) ([]string, string, bool) {
			return []string{file("/d/a", 1<<44), file("/d/b", 1<<44), file("/d/c", 1<<44)}, "c", false
		}, `the server's files add up to more than 35184372088832 bytes`, 1},
		{"names that differ only in case", func(n int64) ([]string, string, bool) {
			if n == 0 {
				return []string{file("/d/Results.csv", 1)}, "c1", true
			}
			return []string{file("/d/results.csv", 2)}, "c2", false
		}, `the server listed both "/d/Results.csv" and "/d/results.csv", one name to dropbox-post`, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, calls := listingServer(t, tc.page)
			got, err := List(context.Background(), c.Files, "/d")
			code := exit.Protocol
			if tc.name == "entries without end" {
				code = exit.Usage // a folder may be that large
			}
			if exit.CodeOf(err) != code || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("listed %d entries, err %v (code %d), want exit %d with %q", len(got), err, exit.CodeOf(err), code, tc.want)
			}
			// (the pages after the last one taken may have been asked
			// for early, at most maxAhead of them)
			if !strings.HasPrefix(err.Error(), `listing "/d": `) || calls.Load() > tc.calls+maxAhead {
				t.Fatalf("%d requests; err %v", calls.Load(), err)
			}
		})
	}
}

// The same entry listed again (changed while the listing went on), even
// with another case in its parents' names (only the last name of a
// path_display has reliable case), is one entry, the last one; pages that
// are sparse but not endless are fine.
func TestListingTakesRepeatsAndSparsePages(t *testing.T) {
	shrink(t, &pageSlack, 5)
	c, _ := listingServer(t, func(n int64) ([]string, string, bool) {
		switch {
		case n == 0:
			return []string{file("/d/sub/a.csv", 1)}, "c0", true
		case n < 5:
			return nil, fmt.Sprintf("c%d", n), true
		}
		return []string{file("/D/SUB/a.csv", 2)}, "c5", false
	})
	got, err := List(context.Background(), c.Files, "/d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["/d/sub/a.csv"].Size != 2 {
		t.Fatalf("got %v", got)
	}
}

// A single file looked up (Stat) with an impossible size is refused too.
func TestStatRefusesImpossibleSize(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, file("/d/huge", 1<<62))
	}))
	t.Cleanup(srv.Close)
	u, _ := dbx.ParseAPIURL(srv.URL, "--api-url")
	c := dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AccessToken: "sl.x"}, Policy: &emutest.FastPolicy})
	_, err := Stat(context.Background(), c.Files, "/d/huge")
	if exit.CodeOf(err) != exit.Protocol || !strings.Contains(err.Error(), "more than any file on Dropbox") {
		t.Fatalf("err %v (code %d)", err, exit.CodeOf(err))
	}
}
