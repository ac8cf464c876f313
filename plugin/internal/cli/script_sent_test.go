package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// scriptEmuCmd is the scenarios' "emu" command: it asks the emulator the
// script started (found through DROPBOX_API_URL, which the "emulator"
// command sets) what it received, and drives its test helpers.
//
//	emu sent N                 exactly N requests reached it (since it started or the last reset)
//	emu writes N               exactly N of them could change the account (uploads, folders, deletes, links)
//	emu route ROUTE N          exactly N requests of one route (files/download, oauth2/token, …)
//	emu data N                 exactly N bytes of requests carrying file data (upload, start,
//	                           append_v2, append_batch): what was sent of the files
//	emu reset                  set the counters to zero
//	emu expire-tokens          every access token answers expired_access_token from now on
//	emu refresh-token KEY VAR  make a refresh token for app KEY and put it in $VAR
//	emu revoke TOKEN           revoke a refresh token
//
// The helpers are not Dropbox routes: asking them is not counted.
func scriptEmuCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emu")
	}
	base := ts.Getenv("DROPBOX_API_URL")
	if base == "" || len(args) == 0 {
		ts.Fatalf("usage: emu sent|writes|route|data|reset|expire-tokens|refresh-token|revoke … (after 'emulator')")
	}
	want := func(i int) int64 {
		if len(args) != i+1 {
			ts.Fatalf("emu %s: wrong number of arguments", args[0])
		}
		n, err := strconv.ParseInt(args[i], 10, 64)
		if err != nil {
			ts.Fatalf("emu %s: %q is not a number", args[0], args[i])
		}
		return n
	}
	switch args[0] {
	case "sent":
		n := want(1)
		st := emuStats(ts, base)
		if st.Requests != n {
			ts.Fatalf("the emulator received %d request(s), want %d: %s", st.Requests, n, routeList(st, nil))
		}
	case "writes":
		n := want(1)
		st := emuStats(ts, base)
		if got := writeRequests(st); got != n {
			ts.Fatalf("the emulator received %d writing request(s), want %d: %s", got, n, routeList(st, isWriteRoute))
		}
	case "route":
		n := want(2)
		st := emuStats(ts, base)
		if got := st.Routes[args[1]].Requests; got != n {
			ts.Fatalf("the emulator received %d %s request(s), want %d: %s", got, args[1], n, routeList(st, nil))
		}
	case "data":
		n := want(1)
		st := emuStats(ts, base)
		var got int64
		for _, r := range []string{"files/upload", "files/upload_session/start", "files/upload_session/append_v2", "files/upload_session/append_batch"} {
			got += st.Routes[r].BytesReceived
		}
		if got != n {
			ts.Fatalf("the emulator received %d bytes of file data, want %d: %s", got, n, routeList(st, nil))
		}
	case "reset":
		emuAdmin(ts, base, "stats/reset", nil)
	case "expire-tokens":
		emuAdmin(ts, base, "expire-tokens", nil)
	case "refresh-token":
		if len(args) != 3 {
			ts.Fatalf("usage: emu refresh-token APP_KEY VAR")
		}
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		emuAdmin(ts, base, "refresh-tokens", map[string]string{"client_id": args[1]}, &out)
		ts.Setenv(args[2], out.RefreshToken)
	case "revoke":
		if len(args) != 2 {
			ts.Fatalf("usage: emu revoke REFRESH_TOKEN")
		}
		emuAdmin(ts, base, "revoke", map[string]string{"refresh_token": args[1]})
	default:
		ts.Fatalf("emu: unknown subcommand %q", args[0])
	}
}

// writeRoutes are the routes that change what the account holds.
var writeRoutes = []string{"files/upload", "files/upload_session/", "files/create_folder", "files/delete",
	"files/copy", "files/move", "sharing/create_shared_link"}

func isWriteRoute(route string) bool {
	for _, p := range writeRoutes {
		if strings.HasPrefix(route, p) {
			return true
		}
	}
	return false
}

// writeRequests counts the requests that could change the account.
func writeRequests(st emulator.Stats) int64 {
	var n int64
	for route, rs := range st.Routes {
		if isWriteRoute(route) {
			n += rs.Requests
		}
	}
	return n
}

// routeList names the routes that received requests (those keep selects,
// or all), for a failure message.
func routeList(st emulator.Stats, keep func(string) bool) string {
	var parts []string
	for route, rs := range st.Routes {
		if rs.Requests > 0 && (keep == nil || keep(route)) {
			parts = append(parts, fmt.Sprintf("%s ×%d", route, rs.Requests))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

var emuClient = &http.Client{Timeout: 10 * time.Second}

// emuStats reads the emulator's counters.
func emuStats(ts *testscript.TestScript, base string) emulator.Stats {
	resp, err := emuClient.Get(base + "/emulator/stats")
	if err != nil {
		ts.Fatalf("emu: %v", err)
	}
	defer resp.Body.Close()
	var st emulator.Stats
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("emu: stats: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		ts.Fatalf("emu: stats: %v", err)
	}
	return st
}

// emuAdmin posts params to a helper endpoint and decodes its JSON answer
// into out, if given.
func emuAdmin(ts *testscript.TestScript, base, name string, params map[string]string, out ...any) {
	body, _ := json.Marshal(params)
	resp, err := emuClient.Post(base+"/emulator/"+name, "application/json", bytes.NewReader(body))
	if err != nil {
		ts.Fatalf("emu: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		ts.Fatalf("emu: %s: %s: %s", name, resp.Status, b)
	}
	for _, o := range out {
		if err := json.Unmarshal(b, o); err != nil {
			ts.Fatalf("emu: %s: %v", name, err)
		}
	}
}
