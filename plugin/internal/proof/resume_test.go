package proof

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// Resuming a killed large upload: a push of one large file is killed with
// SIGKILL at a point of its work chosen by request count (the nth chunk
// arriving, the nth chunk done but its answer lost, the commit…), then run
// again with the same cache folder. The re-run must send at most what
// Dropbox had not acknowledged at the kill plus one chunk (bytes counted
// by the emulator on upload_session/append_v2), and Dropbox must end with
// the file's content. A file changed between the two runs starts over and
// the summary says why.
//
// 40 MiB (five chunks) and eight points in `go test`; 300 MiB (38 chunks)
// and a point at every third chunk with -soak.

const (
	appendRoute = "files/upload_session/append_v2"
	resumeDest  = "/Studies/Resume"
	resumeName  = "model.bin"
)

// resumePoints are the kill points for a file of n chunks.
func resumePoints(n int) []killPoint {
	before, after := emulator.BeforeWork, emulator.AfterWork
	pts := []killPoint{{name: "session-start-answer-lost", route: "upload_session/start", phase: after, nth: 1}}
	step := 1
	if n > 12 {
		step = 3
	}
	for k := 1; k < n; k += step {
		pts = append(pts,
			killPoint{name: fmt.Sprintf("chunk-%d-arriving", k), route: "upload_session/append_v2", phase: before, nth: k},
			killPoint{name: fmt.Sprintf("chunk-%d-answer-lost", k), route: "upload_session/append_v2", phase: after, nth: k})
	}
	return append(pts,
		killPoint{name: "closing-chunk-answer-lost", route: "upload_session/append_v2", phase: after, nth: n},
		killPoint{name: "commit-arriving", route: "upload_session/finish_batch_v2", phase: before, nth: 1},
		killPoint{name: "commit-answer-lost", route: "upload_session/finish_batch_v2", phase: after, nth: 1})
}

// chunkKiller kills an armed push at its point and counts the chunks
// Dropbox acknowledged (answered 200) before the kill.
//
// An answer written to a socket is not yet acknowledged to the client: it
// has to be read, and the client writes it down right after. So when the
// point is reached, the killer first waits (up to 10 s) until the client's
// state file holds as many chunks as were answered, then kills: the
// answers the client could have taken in, it has. A chunk answered in the
// last instant before the kill may still be unwritten: the one chunk of
// slack in the bound.
type chunkKiller struct {
	point killPoint
	state string // the folder of the client's upload state
	armed atomic.Pointer[proc]

	mu       sync.Mutex
	seen     int
	fired    bool // the point was reached
	killed   bool
	answered int // chunks answered 200 before the kill
}

func (k *chunkKiller) hook(ev emulator.Event) {
	p := k.armed.Load()
	if p == nil {
		return
	}
	k.mu.Lock()
	if k.killed {
		k.mu.Unlock()
		return
	}
	match := "files/"+k.point.route == ev.Route && ev.Phase == k.point.phase
	if match && !k.fired {
		k.seen++
	}
	fire := match && !k.fired && k.seen >= k.point.nth
	if fire {
		k.fired = true
	} else if ev.Route == appendRoute && ev.Phase == emulator.AfterWork && ev.Status == http.StatusOK {
		k.answered++
	}
	k.mu.Unlock()
	if !fire {
		return
	}
	// Wait until the client has written down every chunk Dropbox already
	// acknowledged (it writes its state in the background). The deadline is
	// only a hang guard, far beyond any lag of a busy machine: the bound
	// asserted after the re-run counts on the state having caught up.
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		k.mu.Lock()
		answered := k.answered
		k.mu.Unlock()
		if persisted(k.state) >= answered {
			break
		}
	}
	k.mu.Lock()
	k.killed = true
	k.mu.Unlock()
	p.kill()
	panic(http.ErrAbortHandler)
}

// persisted returns how many chunks the upload state files in dir hold.
func persisted(dir string) int {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	n := 0
	for _, p := range paths {
		var st struct {
			Chunks map[string]json.RawMessage `json:"chunks"`
		}
		if data, err := os.ReadFile(p); err == nil && json.Unmarshal(data, &st) == nil {
			n += len(st.Chunks)
		}
	}
	return n
}

// resumeRow is the outcome of one kill point.
type resumeRow struct {
	point            string
	acked, resent    int64 // bytes acknowledged at the kill; append bytes of the re-run
	bound            int64 // what the re-run may send at most
	note             string
	appends, commits int64
}

func TestResumeLargeUpload(t *testing.T) {
	size := int64(40 * MiB)
	if *soak {
		size = 300 * MiB
	}
	n := int((size + transfer.ChunkSize - 1) / transfer.ChunkSize)
	cache := t.TempDir()
	hash := largeFile(t, cache, resumeName, size, 3)

	var rows []resumeRow
	for _, kp := range resumePoints(n) {
		t.Run(kp.name, func(t *testing.T) {
			rows = append(rows, resumeOnce(t, kp, filepath.Join(cache, resumeName), size, hash))
		})
	}
	show(t, resumeTable(size, rows))
}

// resumeOnce pushes the file killed at kp, then again to the end with the
// same cache folder, and checks what the re-run sent.
func resumeOnce(t *testing.T, kp killPoint, file string, size int64, hash string) resumeRow {
	home := t.TempDir()
	k := &chunkKiller{point: kp, state: stateDir(home)}
	srv, url := startEmulator(t, emulator.Options{Hook: k.hook})
	root := t.TempDir()
	link(t, file, root, resumeName)
	local := filepath.Join(root, resumeName)

	p := startIn(t, url, home, nil, pushArgs(local, resumeDest, "")...)
	k.armed.Store(p)
	if !p.wait(5 * time.Minute) {
		t.Fatalf("kill point %q: the push still runs after 5 minutes", kp.name)
	}
	k.armed.Store(nil)
	k.mu.Lock()
	fired, answered := k.fired, k.answered
	k.mu.Unlock()
	if !fired || p.out.Signal != "killed" {
		t.Fatalf("kill point %q was never reached: %s", kp.name, p.out.describe())
	}

	srv.ResetStats()
	out := pushIn(t, url, home, pushArgs(local, resumeDest, "")...)
	sum := out.ok(t, "the push run again after the kill")
	st := srv.Stats()
	resent := st.Routes[appendRoute].BytesReceived
	acked := min(int64(answered)*transfer.ChunkSize, size)
	bound := size - acked + transfer.ChunkSize
	if resent > bound {
		t.Errorf("the re-run sent %d MiB of chunks; %d MiB were acknowledged at the kill, so at most %d MiB (the rest plus one chunk) should have gone",
			resent/MiB, acked/MiB, bound/MiB)
	}
	if got := holds(srv)[remoteName(resumeDest, resumeName)]; got != hash {
		t.Errorf("Dropbox holds content hash %q, want %q", got, hash)
	}
	left, _ := filepath.Glob(filepath.Join(stateDir(home), "*"))
	if len(left) != 0 {
		t.Errorf("upload state left after the file was committed: %q", left)
	}
	note := ""
	for _, r := range sum.Resumed {
		note = r.Reason
	}
	if len(out.Retries) > 0 {
		note += fmt.Sprintf(" (retries: %v)", out.Retries)
	}
	return resumeRow{point: kp.name, acked: acked, resent: resent, bound: bound, note: note,
		appends: st.Routes[appendRoute].Requests, commits: st.Routes["files/upload_session/finish_batch_v2"].Requests}
}

// TestResumeChangedFile: a file changed after the kill starts over, whole,
// and the summary says why.
func TestResumeChangedFile(t *testing.T) {
	size := int64(24 * MiB)
	home, root := t.TempDir(), t.TempDir()
	k := &chunkKiller{point: killPoint{route: "upload_session/append_v2", phase: emulator.AfterWork, nth: 2}, state: stateDir(home)}
	srv, url := startEmulator(t, emulator.Options{Hook: k.hook})
	largeFile(t, root, resumeName, size, 4)
	local := filepath.Join(root, resumeName)

	p := startIn(t, url, home, nil, pushArgs(local, resumeDest, "")...)
	k.armed.Store(p)
	p.wait(5 * time.Minute)
	k.armed.Store(nil)
	if p.out.Signal != "killed" {
		t.Fatalf("the push was not killed: %s", p.out.describe())
	}
	hash := largeFile(t, root, resumeName, size, 5) // same size, new content
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(local, later, later); err != nil { // a coarse clock must not hide the change
		t.Fatal(err)
	}

	srv.ResetStats()
	sum := pushIn(t, url, home, pushArgs(local, resumeDest, "")...).ok(t, "the push of the changed file")
	if resent := srv.Stats().Routes[appendRoute].BytesReceived; resent != size {
		t.Errorf("the changed file: the re-run sent %d bytes of chunks, want the whole file, %d", resent, size)
	}
	if len(sum.Resumed) != 1 || !strings.Contains(sum.Resumed[0].Reason, "started over: the file changed") {
		t.Errorf("the summary does not say that the changed file started over: %+v", sum.Resumed)
	}
	if got := holds(srv)[remoteName(resumeDest, resumeName)]; got != hash {
		t.Errorf("Dropbox holds content hash %q, want the changed file's %q", got, hash)
	}
}

// stateDir is where a push with home folder home keeps its upload state.
func stateDir(home string) string {
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Caches", "dropbox-post", "uploads")
	}
	return filepath.Join(home, ".cache", "dropbox-post", "uploads")
}

func resumeTable(size int64, rows []resumeRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "resume: one file of %d MiB, SIGKILL at each point, then run again with the same cache\n", size/MiB)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "kill point\tacknowledged at kill\tre-run sent\tbound\tre-run appends\tcommits\tsummary says\t")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d MiB\t%d MiB\t%d MiB\t%d\t%d\t%s\t\n", r.point, r.acked/MiB, r.resent/MiB, r.bound/MiB, r.appends, r.commits, r.note)
	}
	w.Flush()
	return b.String()
}
