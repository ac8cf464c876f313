package proof

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// TestHook checks the emulator hook these tests rely on: one call as a
// request arrives, one when its work is done with the status about to be
// sent, each with the request's context, and a panic with http.ErrAbortHandler that drops the request
// before the work (not done) or after it (done, answer lost).
func TestHook(t *testing.T) {
	var mu sync.Mutex
	var events []emulator.Event
	abort := map[emulator.Phase]string{} // phase → route to drop there
	var noCtx int                        // events without the request's context
	hook := func(ev emulator.Event) {
		mu.Lock()
		if ev.Ctx == nil {
			noCtx++
		}
		ev.Ctx = nil // compared below by route, phase and status
		events = append(events, ev)
		drop := abort[ev.Phase] == ev.Route
		mu.Unlock()
		if drop {
			panic(http.ErrAbortHandler)
		}
	}
	_, url := startEmulator(t, emulator.Options{Hook: hook})
	call := func(route, arg string) (int, error) {
		req, _ := http.NewRequest("POST", url+"/2/"+route, strings.NewReader(arg))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	take := func() []emulator.Event {
		mu.Lock()
		defer mu.Unlock()
		out := events
		events = nil
		return out
	}
	if code, err := call("files/create_folder_v2", `{"path": "/a"}`); err != nil || code != 200 {
		t.Fatalf("create_folder_v2: %d %v", code, err)
	}
	want := []emulator.Event{
		{Route: "files/create_folder_v2", Phase: emulator.BeforeWork},
		{Route: "files/create_folder_v2", Phase: emulator.AfterWork, Status: 200},
	}
	if got := take(); !slices.Equal(got, want) {
		t.Errorf("a request that succeeds: events %v, want %v", got, want)
	}
	if mu.Lock(); noCtx != 0 {
		t.Errorf("%d events without the request's context", noCtx)
	}
	mu.Unlock()
	if code, err := call("files/get_metadata", `{"path": "/missing"}`); err != nil || code != 409 {
		t.Fatalf("get_metadata of a missing path: %d %v", code, err)
	}
	if got := take(); len(got) != 2 || got[1].Phase != emulator.AfterWork || got[1].Status != 409 {
		t.Errorf("an error answer: events %v, want before-work then after-work with status 409", got)
	}

	mu.Lock()
	abort[emulator.BeforeWork] = "files/create_folder_v2"
	mu.Unlock()
	if _, err := call("files/create_folder_v2", `{"path": "/b"}`); err == nil {
		t.Error("a request dropped before its work got an answer")
	}
	if code, _ := call("files/get_metadata", `{"path": "/b"}`); code != 409 {
		t.Errorf("a request dropped before its work was done anyway: /b exists (status %d)", code)
	}
	mu.Lock()
	abort = map[emulator.Phase]string{emulator.AfterWork: "files/create_folder_v2"}
	mu.Unlock()
	if _, err := call("files/create_folder_v2", `{"path": "/c"}`); err == nil {
		t.Error("a request dropped after its work got an answer")
	}
	if code, _ := call("files/get_metadata", `{"path": "/c"}`); code != 200 {
		t.Errorf("a request dropped after its work was not done: /c is missing (status %d)", code)
	}
}
