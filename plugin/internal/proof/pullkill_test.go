package proof

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// A pull killed (SIGKILL) at any point, then run again, leaves LOCAL
// holding exactly the remote tree: the temporaries the killed one left
// (".NAME.dropbox-post-pull-….tmp", partial data) are removed by the
// re-run, and a push of LOCAL, before the re-run as after it, never posts
// one. The points are counted in requests and bytes, never in time: the
// nth download request as it arrives, and "partial", where a download's
// answer stops after 1 MiB until a temporary holding data is seen in
// LOCAL.

const pullSrc = "/Studies/Pulled"

// pullPoint is where a pull is killed: at the arrival of the nth download
// request, or (nth 0) once a temporary holds part of the big file.
type pullPoint struct {
	name string
	nth  int
}

// pullRow is the outcome of one point.
type pullRow struct {
	point            string
	temps            int // pull temporaries in LOCAL after the kill
	postedPartial    int // files a push of LOCAL posted before the re-run
	downloaded, same int // what the re-run did
}

func TestPullKilled(t *testing.T) {
	const small = 40
	points := []pullPoint{{"partial", 0}, {"download-1", 1}, {"download-6", 6}, {"download-20", 20}, {"download-41", 41}}
	if *soak {
		points = []pullPoint{{"partial", 0}}
		for n := 1; n <= small+3; n++ {
			points = append(points, pullPoint{fmt.Sprintf("download-%d", n), n})
		}
	}
	src := t.TempDir()
	want := smallFiles(t, src, small, 1)
	// First in the pull's order, and in three ranges of 4 MiB.
	want["a-models/big.bin"] = largeFile(t, src, "a-models/big.bin", 9*MiB, 5)

	srv, _ := startEmulator(t, emulator.Options{})
	var armed atomic.Pointer[pullKill]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := armed.Load(); k != nil && r.URL.Path == "/2/files/download" {
			w = k.request(w, r)
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	push(t, front.URL, pushArgs(src, pullSrc, "")...).ok(t, "push of the tree to pull")
	exactly(t, srv, pullSrc, want, false)

	var rows []pullRow
	for _, pt := range points {
		t.Run(pt.name, func(t *testing.T) {
			rows = append(rows, pullOnce(t, front.URL, &armed, pt, want))
		})
	}
	temps := 0
	for _, r := range rows {
		temps += r.temps
	}
	if temps == 0 {
		t.Errorf("no kill left a temporary file: the test proved nothing")
	}
	show(t, pullTable(rows))
}

// pullOnce kills a pull into a new LOCAL at pt, pushes LOCAL as it is,
// runs the pull again, and checks LOCAL and a push of it.
func pullOnce(t *testing.T, url string, armed *atomic.Pointer[pullKill], pt pullPoint, want version) pullRow {
	dir := filepath.Join(t.TempDir(), "local")
	k := &pullKill{point: pt, dir: dir, stalled: make(chan struct{})}
	p := startPush(t, url, "pull", pullSrc, dir)
	k.proc = p
	armed.Store(k)
	if pt.nth == 0 {
		select {
		case <-k.stalled:
		case <-p.exited:
		}
		// The download stalls after 1 MiB; wait (on the file system, not the
		// clock) until the pull has written some of it to its temporary.
		for guard := time.Now(); !tempWithData(dir); time.Sleep(5 * time.Millisecond) {
			if time.Since(guard) > 3*time.Minute { // a hang guard only
				t.Fatalf("no temporary with data appeared: %s", p.out.describe())
			}
			select {
			case <-p.exited:
				t.Fatalf("the pull ended before the kill: %s", p.out.describe())
			default:
			}
		}
		p.kill()
	}
	if !p.wait(5 * time.Minute) {
		t.Fatalf("the pull still runs after 5 minutes")
	}
	armed.Store(nil)
	k.release()
	if p.out.Signal != "killed" {
		t.Fatalf("kill point %q was never reached: %s", pt.name, p.out.describe())
	}
	row := pullRow{point: pt.name, temps: len(pullTemps(t, dir))}
	// What the killed pull left at final paths is whole and right.
	for rel, h := range localTree(t, dir) {
		if !local.IsPullTemp(filepath.Base(rel)) && want[rel] != h {
			t.Errorf("after the kill, LOCAL holds %s, which is not the remote file", rel)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		// A push of LOCAL as the kill left it posts no temporary.
		psrv, purl := startEmulator(t, emulator.Options{})
		push(t, purl, pushArgs(dir, "/Partial", "")...).ok(t, "push of LOCAL after the kill")
		for p, h := range holds(psrv) {
			rel := strings.TrimPrefix(p, "/partial/")
			if local.IsPullTemp(filepath.Base(rel)) || want[rel] != h {
				t.Errorf("a push of LOCAL after the kill posted %s, which is not a file of the remote tree", p)
			}
			row.postedPartial++
		}
	}
	again := push(t, url, "pull", "--output", "json", pullSrc, dir)
	if again.Code != 0 {
		t.Fatalf("the pull run again: %s", again.describe())
	}
	row.downloaded, row.same = countWord(again.Stdout, `"downloaded":`), countWord(again.Stdout, `"unchanged":`)
	got := localTree(t, dir)
	var problems []string
	for rel, h := range want {
		if got[rel] != h {
			problems = append(problems, "missing or wrong after the re-run: "+rel)
		}
		delete(got, rel)
	}
	for rel := range got {
		problems = append(problems, "extra file after the re-run: "+rel)
	}
	failWith(t, problems, "LOCAL does not hold exactly the remote tree")
	bsrv, burl := startEmulator(t, emulator.Options{})
	push(t, burl, pushArgs(dir, "/Back", "")...).ok(t, "push of LOCAL after the re-run")
	exactly(t, bsrv, "/Back", want, false)
	return row
}

// pullKill kills an armed pull at its point.
type pullKill struct {
	point   pullPoint
	dir     string
	proc    *proc
	mu      sync.Mutex
	seen    int
	stalled chan struct{}
	once    sync.Once     // closes stalled
	gate    chan struct{} // closed to let a stalled answer go on (after the kill)
}

// request counts a download request and kills at the point; for
// "partial", it returns a writer that stalls the big file's answers after
// 1 MiB.
func (k *pullKill) request(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	k.mu.Lock()
	k.seen++
	n := k.seen
	if k.gate == nil {
		k.gate = make(chan struct{})
	}
	k.mu.Unlock()
	switch {
	case k.point.nth == 0 && strings.Contains(r.Header.Get("Dropbox-API-Arg")+r.URL.RawQuery, "big.bin"):
		return &stallWriter{ResponseWriter: w, k: k, ctx: r.Context().Done()}
	case k.point.nth == n:
		k.proc.kill()
		panic(http.ErrAbortHandler)
	}
	return w
}

func (k *pullKill) release() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gate != nil {
		select {
		case <-k.gate:
		default:
			close(k.gate)
		}
	}
}

// stallWriter passes 1 MiB of the body, then waits for the client to die.
type stallWriter struct {
	http.ResponseWriter
	k       *pullKill
	ctx     <-chan struct{}
	written int
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if s.written >= MiB {
		s.k.once.Do(func() {
			if f, ok := s.ResponseWriter.(http.Flusher); ok {
				f.Flush()
			}
			close(s.k.stalled)
		})
		select {
		case <-s.ctx:
		case <-s.k.gate:
		}
		return 0, http.ErrAbortHandler
	}
	n, err := s.ResponseWriter.Write(p[:min(len(p), MiB-s.written)])
	s.written += n
	if err == nil && n < len(p) {
		m, err := s.Write(p[n:])
		return n + m, err
	}
	return n, err
}

func (s *stallWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// tempWithData reports whether a pull temporary with data is in dir.
func tempWithData(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && local.IsPullTemp(d.Name()) {
			if fi, err := d.Info(); err == nil && fi.Size() > 0 {
				found = true
			}
		}
		return nil
	})
	return found
}

// pullTemps lists the pull temporaries below dir.
func pullTemps(t *testing.T, dir string) []string {
	var out []string
	for rel := range localTree(t, dir) {
		if local.IsPullTemp(filepath.Base(rel)) {
			out = append(out, rel)
		}
	}
	return out
}

// localTree returns every file below dir ("/"-separated) with the Dropbox
// content hash of what it holds; a missing dir is empty.
func localTree(t *testing.T, dir string) version {
	t.Helper()
	v := version{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		v[filepath.ToSlash(rel)] = hashOf(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// countWord returns the number after key in a JSON text (0 if absent).
func countWord(s, key string) int {
	i := strings.Index(s, key)
	if i < 0 {
		return 0
	}
	n := 0
	fmt.Sscanf(strings.TrimSpace(s[i+len(key):]), "%d", &n)
	return n
}

func pullTable(rows []pullRow) string {
	var b strings.Builder
	b.WriteString("pull killed (SIGKILL), then run again\n")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "point\ttemporaries left\tposted by a push before the re-run\tre-run downloaded\tunchanged\t\n")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t\n", r.point, r.temps, r.postedPartial, r.downloaded, r.same)
	}
	w.Flush()
	return b.String()
}
