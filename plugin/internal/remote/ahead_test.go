package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

func TestTopCursor(t *testing.T) {
	for _, c := range []struct {
		body   string
		cursor string
		more   bool
	}{
		{`{"entries":[],"cursor":"AAE","has_more":true}`, "AAE", true},
		{` { "has_more" : true , "cursor" : "AAE" , "entries" : [ ] } `, "AAE", true},
		{`{"entries":[],"cursor":"AAE","has_more":false}`, "AAE", false},
		// what is inside the entries is not taken for the page's own
		{`{"entries":[{"cursor":"no","has_more":false,"name":"a\"}],\"cursor\":\"no\"","x":[1,{"y":"]}"}]}],"cursor":"yes","has_more":true}`, "yes", true},
		{`{"entries":[],"cursor":"a\"b\\c\u00e9","has_more":true}`, "a\"b\\c\u00e9", true},
		{`{"cursor":"x","has_more":true,"n":12.5e3,"t":null}`, "x", true},
		// not such an object: nothing
		{``, "", false},
		{`[]`, "", false},
		{`{}`, "", false},
		{`{"entries":[{"a":"b"}`, "", false},
		{`{"entries":[],"cursor":"x","has_more":true`, "", false},
		{`{"cursor":12,"has_more":true}`, "", false},
		{`{"cursor":"x" "has_more":true}`, "", false},
		{`{"cursor":"unterminated,"has_more":true}`, "", false},
		{`{"cursor":,"has_more":true}`, "", false},
	} {
		cursor, more := topCursor([]byte(c.body))
		if cursor != c.cursor || more != c.more {
			t.Errorf("topCursor(%q) = %q, %t; want %q, %t", c.body, cursor, more, c.cursor, c.more)
		}
	}
}

// The next page is asked for while the page before it is taken: the
// first page's taker waits (a minute at most, the guard of a test that
// would otherwise hang) until list_folder/continue has reached Dropbox.
// An honest server gets one request a page, no more.
func TestNextPageAskedWhilePageTaken(t *testing.T) {
	old := listLimit
	listLimit = 3
	t.Cleanup(func() { listLimit = old })
	asked := make(chan struct{})
	var once sync.Once
	srv, c := emutest.Start(t, emulator.Options{Hook: func(e emulator.Event) {
		if e.Route == "files/list_folder/continue" && e.Phase == emulator.BeforeWork {
			once.Do(func() { close(asked) })
		}
	}}, emutest.FastPolicy)
	for i := range 10 {
		if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg(fmt.Sprintf("/d/f%d", i)), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	pages, early := 0, false
	got, err := ListPages(context.Background(), c.Files, "/d", func([]Entry) {
		if pages++; pages == 1 {
			select {
			case <-asked:
				early = true
			case <-time.After(time.Minute):
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !early {
		t.Error("the second page was asked for only after the first was taken")
	}
	if len(got) != 11 || pages != 4 {
		t.Errorf("listed %d entries in %d pages, want 11 in 4", len(got), pages)
	}
	st := srv.Stats().Routes
	if n, m := st["files/list_folder"].Requests, st["files/list_folder/continue"].Requests; n != 1 || m != 3 {
		t.Errorf("list_folder asked %d times and continue %d; want 1 and 3", n, m)
	}
}

// A page whose text shows a cursor other than the one it decodes to (the
// key written with an escape: encoding/json reads it, topCursor does not)
// gets an early request for the cursor in its text, which is not used:
// the page is asked for again with the decoded cursor, the listing comes
// out whole and right, and the early requests stay bounded.
func TestEarlyCursorIsOnlyAHint(t *testing.T) {
	var mu sync.Mutex
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var arg struct{ Cursor string }
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &arg)
		mu.Lock()
		asked[arg.Cursor]++
		mu.Unlock()
		n := 0
		switch {
		case strings.HasPrefix(arg.Cursor, "real"):
			fmt.Sscanf(arg.Cursor, "real%d", &n)
		case arg.Cursor != "":
			// a decoy's page: whatever it says, it must not be used
			fmt.Fprintf(w, `{"entries":[%s],"cursor":"decoy-of-%s","has_more":true}`, file("/d/WRONG", 1), arg.Cursor)
			return
		}
		more := n < 4
		fmt.Fprintf(w, `{"entries":[%s],"cursor":"decoy%d","curs\u006fr":"real%d","has_more":%t}`, file(fmt.Sprintf("/d/f%d", n), 1), n, n+1, more)
	}))
	t.Cleanup(srv.Close)
	u, err := dbx.ParseAPIURL(srv.URL, "--api-url")
	if err != nil {
		t.Fatal(err)
	}
	c := dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AccessToken: "sl.x"}, Policy: &emutest.FastPolicy})
	got, err := List(context.Background(), c.Files, "/d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Errorf("listed %v, want f0 to f4", got)
	}
	if _, ok := got["/d/wrong"]; ok {
		t.Error("a page asked for with the cursor read from the text was used")
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for cursor, n := range asked {
		total += n
		if strings.HasPrefix(cursor, "real") && n != 1 {
			t.Errorf("cursor %q asked %d times, want once", cursor, n)
		}
	}
	if total > 2*5+maxAhead {
		t.Errorf("%d requests for a listing of 5 pages: %v", total, asked)
	}
}
