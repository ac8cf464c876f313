package pull

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A 36-byte file, and its content hash.
const (
	small     = "thirty-six bytes of honest content.\n"
	smallHash = "c1f0f6a5f1d3e0b8b1e28d5ff2a1bd8f2a9ab0ac2d5fb8bf1d1cf9e1e0b1a2c3" // any: never reached
)

// sizeServer is a hostile server for pull of "/d", which holds one file
// "/d/f": the listing claims listed bytes for it, and the download answer
// claims sent bytes, then sends the 36 bytes of small.
func sizeServer(t *testing.T, listed, sent uint64) *dbx.Client {
	meta := func(size uint64) string {
		b, _ := json.Marshal(map[string]any{".tag": "file", "name": "f", "path_lower": "/d/f", "path_display": "/d/f", "id": "id:1",
			"client_modified": "2020-01-01T00:00:00Z", "server_modified": "2020-01-01T00:00:00Z", "rev": "0123456789", "size": size, "content_hash": smallHash})
		return string(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/2/files/get_metadata":
			io.WriteString(w, `{".tag":"folder","name":"d","path_lower":"/d","path_display":"/d","id":"id:0"}`)
		case "/2/files/list_folder":
			io.WriteString(w, `{"entries":[`+meta(listed)+`],"cursor":"c","has_more":false}`)
		case "/2/files/download":
			w.Header().Set("Dropbox-API-Result", meta(sent))
			io.WriteString(w, small)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := dbx.ParseAPIURL(srv.URL, "--api-url")
	return dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AccessToken: "sl.x"}, Policy: &emutest.FastPolicy})
}

// Sizes a server claims are checked before anything is allocated or
// created for them: an impossible one stops the pull with exit 11 (no
// panic, no out-of-memory), and nothing is left in the local folder.
func TestPullRefusesImpossibleSizes(t *testing.T) {
	cases := []struct {
		name         string
		listed, sent uint64
		want         string
	}{
		{"listing 2^63-1", 1<<63 - 1, 36, `listing "/d": the server says "/d/f" holds 9223372036854775807 bytes`},
		{"listing 2^62", 1 << 62, 36, `holds 4611686018427387904 bytes, more than any file on Dropbox`},
		{"download answer 2^63-1", 36, 1<<63 - 1, `downloading "`},
		{"download answer 64 TiB", 36, 64 << 40, `holds 70368744177664 bytes, more than any file on Dropbox`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Run(context.Background(), sizeServer(t, tc.listed, tc.sent), Options{Remote: "/d", Local: dir, Rounds: 1})
			if exit.CodeOf(err) != exit.Protocol || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v (code %d), want exit 11 with %q", err, exit.CodeOf(err), tc.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("left in the local folder: %v", left)
			}
		})
	}
}

// A size within bounds but far beyond what is sent (8 TiB claimed, 36
// bytes sent) costs memory for what is received, not for the claim.
func TestPullClaimCostsNoMemory(t *testing.T) {
	c := sizeServer(t, 8<<40, 8<<40)
	dir := t.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, err := Run(context.Background(), c, Options{Remote: "/d", Local: dir, Rounds: 1, RangeParallel: 1})
	runtime.ReadMemStats(&after)
	if err != nil || sum.Failed != 1 {
		t.Fatalf("err %v, summary %+v: want the file failed alone", err, sum)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Fatalf("a claim of 8 TiB with 36 bytes sent allocated %d MB", grew>>20)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left in the local folder: %v", left)
	}
}
