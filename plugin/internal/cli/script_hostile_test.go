package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rogpeppe/go-internal/testscript"
)

// hostileServers holds, for each scenario, the listener its redirecting
// server points at, which counts what reaches it.
var hostileServers sync.Map // *testscript.TestScript → *atomic.Int64

// scriptHostileCmd is the scenarios' "hostile MODE" command: it starts a
// server that answers as no Dropbox does, and points DROPBOX_API_URL at it
// for the commands that follow. Modes:
//
//	redirect          every request: 307 to another listener
//	huge-file         /d holds one file "f" of 2^63-1 bytes
//	endless-listing   listing /d gives the same cursor again and again
//	case-clash        /d lists both Results.csv and results.csv
//
// "hostile elsewhere N" checks that the other listener got N requests.
func scriptHostileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: hostile redirect|huge-file|endless-listing|case-clash, or hostile elsewhere N")
	}
	if args[0] == "elsewhere" {
		v, ok := hostileServers.Load(ts)
		n, err := strconv.ParseInt(args[len(args)-1], 10, 64)
		if !ok || err != nil || len(args) != 2 {
			ts.Fatalf("usage: hostile elsewhere N, after hostile redirect")
		}
		if got := v.(*atomic.Int64).Load(); got != n {
			ts.Fatalf("the other listener received %d request(s), want %d", got, n)
		}
		return
	}
	var h http.HandlerFunc
	switch args[0] {
	case "redirect":
		var seen atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Add(1)
			http.Error(w, "this listener is not the API", http.StatusTeapot)
		}))
		ts.Defer(other.Close)
		hostileServers.Store(ts, &seen)
		ts.Defer(func() { hostileServers.Delete(ts) })
		h = func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		}
	case "huge-file":
		h = listingHandler(func(int) ([]string, bool) { return []string{hostileFile("/d/f", 1<<63-1)}, false })
	case "endless-listing":
		h = listingHandler(func(n int) ([]string, bool) { return []string{hostileFile(fmt.Sprintf("/d/f%d", n), 1)}, n < 100 })
	case "case-clash":
		h = listingHandler(func(int) ([]string, bool) {
			return []string{hostileFile("/d/Results.csv", 1), hostileFile("/d/results.csv", 2)}, false
		})
	default:
		ts.Fatalf("hostile: unknown mode %q", args[0])
	}
	srv := httptest.NewServer(h)
	ts.Defer(srv.Close)
	ts.Setenv("DROPBOX_API_URL", srv.URL)
}

// listingHandler answers for a folder /d: get_metadata says it is a
// folder, and each listing page is what page gives (n = 0, 1, …), with
// the same cursor every time.
func listingHandler(page func(n int) (entries []string, more bool)) http.HandlerFunc {
	var calls atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/2/users/get_current_account", "/2/files/get_metadata":
			io.WriteString(w, `{".tag":"folder","name":"d","path_lower":"/d","path_display":"/d","id":"id:d"}`)
		case "/2/files/list_folder", "/2/files/list_folder/continue":
			entries, more := page(int(calls.Add(1) - 1))
			fmt.Fprintf(w, `{"entries":[%s],"cursor":"the-same-cursor","has_more":%t}`, strings.Join(entries, ","), more)
		default:
			http.Error(w, "not here", http.StatusNotFound)
		}
	}
}

func hostileFile(path string, size uint64) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	b, _ := json.Marshal(map[string]any{".tag": "file", "name": name, "path_lower": strings.ToLower(path), "path_display": path, "id": "id:" + name,
		"client_modified": "2020-01-01T00:00:00Z", "server_modified": "2020-01-01T00:00:00Z", "rev": "0123456789", "size": size,
		"content_hash": strings.Repeat("0", 64)})
	return string(b)
}
