// Command bench measures dropbox-post against references measured in the
// same run, and prints the numbers (it passes or fails nothing on a clock):
//
//   - 2,000 files of 4 KiB through an emulator with 20 ms latency per
//     request: wall time and requests, against the original script's way
//     (one files/upload per file, one after another, each file read whole);
//   - the same folder again, unchanged;
//   - one 1 GiB file with no latency: throughput against one raw HTTP POST
//     stream of the same bytes to the emulator, and peak memory;
//   - one 256 MiB file through a 50 MB/s link at 50 ms per request: the
//     share of the link used;
//   - 20,000 small files: peak memory;
//   - a librec-auto study (study.go: 457 files, 1 KiB to 20 MiB, 310 MB)
//     through a 50 MB/s link at 20 ms: the share of the link, and memory;
//   - the scale line (scale.go): 10,000, 100,000 and 1,000,000 tiny files,
//     pushed and pushed again unchanged: time, requests and peak memory
//     per file;
//   - a minute of --bwlimit: the rate the emulator saw against the limit;
//   - hashing the 1 GiB file, against sha256sum;
//   - the peers (peers.go): dropbox-post beside dbxcli and rclone (as it
//     comes, and tuned), taken from $DBXCLI and $RCLONE, all through one
//     TLS front (front.go), for the workloads of issues 13 and 22.
//
// Each row gives its limit: the bound no client can beat on that workload
// (round trips at the emulated latency, bytes at the link's rate).
//
// The emulator and dropbox-post run as separate processes (bin/dropbox-post,
// built by `make bench`), so that peak memory is dropbox-post's own.
//
//	go run ./scripts/bench [-bin bin/dropbox-post] [-big 1024] [-many 20000]
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/librec-auto/dropbox-post/internal/emulator/emuproc"
)

const token = "bench-token"

var (
	bin         = flag.String("bin", "bin/dropbox-post", "the dropbox-post binary")
	smallN      = flag.Int("small", 2000, "files in the small-files case")
	bigMiB      = flag.Int("big", 1024, "MiB of the large file")
	manyN       = flag.Int("many", 20000, "files in the memory case")
	latency     = flag.Duration("latency", 20*time.Millisecond, "emulator latency for the small-files cases")
	only        = flag.String("only", "", "run only this case: small, big, link, many, study, scale, bwlimit or peers")
	linkMiB     = flag.Int("link-size", 256, "MiB of the file in the link case")
	linkBW      = flag.Int64("link-bandwidth", 50_000_000, "bytes per second of the emulated link in the link case")
	linkLat     = flag.Duration("link-latency", 50*time.Millisecond, "latency of the emulated link in the link case")
	bwRate      = flag.Int64("bwlimit", 4<<20, "bytes per second of --bwlimit in the bwlimit case")
	bwMiB       = flag.Int("bwlimit-size", 240, "MiB sent in the bwlimit case (240 MiB at 4 MiB/s: a minute)")
	studyBW     = flag.Int64("study-bandwidth", 50_000_000, "bytes per second of the emulated link in the study case")
	studyLat    = flag.Duration("study-latency", 20*time.Millisecond, "latency of the emulated link in the study case")
	scaleCounts = flag.String("scale", "10000,100000,1000000", "numbers of files in the scale case, comma-separated")
)

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "dropbox-post-bench-")
	check(err)
	defer os.RemoveAll(dir)
	fmt.Printf("dropbox-post bench: %s, %d CPUs; scratch %s\n\n", *bin, runtime.NumCPU(), dir)

	var rows []row
	for _, c := range []struct {
		name string
		run  func(string) []row
	}{{"small", smallFiles}, {"big", bigFile}, {"link", linkFile}, {"many", manyFiles}, {"study", studyCase}, {"scale", scaleCase}, {"bwlimit", bwLimit}, {"peers", func(d string) []row { peerBench(d); return nil }}} {
		if *only == "" || *only == c.name {
			rows = append(rows, c.run(dir)...)
		}
	}
	print(rows)
}

// row is one line of the results.
type row struct {
	name     string
	wall     time.Duration
	requests int64
	routes   map[string]int64
	sent     int64 // bytes the emulator received
	rssMiB   float64
	cpu      time.Duration // dropbox-post's CPU time (user + system)
	limit    string        // the bound no client can beat, and why
	note     string
}

func print(rows []row) {
	if len(rows) == 0 {
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "case\twall\tCPU\trequests\tbytes sent\tpeak RSS\tlimit\tnote")
	for _, r := range rows {
		rss := "-"
		if r.rssMiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", r.rssMiB)
		}
		req := "-"
		if r.requests >= 0 {
			req = fmt.Sprint(r.requests)
		}
		cpu := "-"
		if r.cpu > 0 {
			cpu = r.cpu.Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.name, r.wall.Round(time.Millisecond), cpu, req, mib(r.sent), rss, cmp.Or(r.limit, "-"), r.note)
	}
	w.Flush()
	fmt.Println()
	for _, r := range rows {
		if len(r.routes) > 0 {
			fmt.Printf("%s: %s\n", r.name, routeList(r.routes))
		}
	}
}

func smallFiles(dir string) []row {
	n := *smallN
	fmt.Printf("== %d files of 4 KiB, emulator latency %v\n", n, *latency)
	emu := startEmulator("--latency", latency.String())
	defer emu.stop()
	root := filepath.Join(dir, "small")
	for i := 0; i < n; i++ {
		writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/result/out-%d.csv", i%10, i)), 4096, uint64(i))
	}
	syncDisks()

	emu.reset()
	start := time.Now()
	reference(emu.URL, root, "/reference")
	ref := row{name: "reference: files/upload one by one", wall: time.Since(start)}
	ref.requests, ref.routes, ref.sent = emu.stats()

	emu.reset()
	ours := push(emu, root, "/ours", "dropbox-post push")
	limit := int64(n + n/1000 + 5)
	ours.note = fmt.Sprintf("%.1fx faster than the reference (target 20x: %s); %d requests (target at most %d: %s)",
		ref.wall.Seconds()/ours.wall.Seconds(), met(ref.wall.Seconds()/ours.wall.Seconds() >= 20), ours.requests, limit, met(ours.requests <= limit))
	// Issue 13's round-trip target is set for a slow link (100 ms a
	// request), where round trips, not local work, make the time: below
	// that, the note gives the bound for scale without judging it.
	bound := 2 * 4 * *latency // 2x of 4 round trips; no key file to open here, so stricter
	if *latency >= 100*time.Millisecond {
		ours.note += fmt.Sprintf("; round-trip target 2x(4 x %v) = %v: %s", *latency, bound, met(ours.wall <= bound))
	} else {
		ours.note += fmt.Sprintf("; 2x(4 round trips) = %v, for scale (the target is set at -latency 100ms)", bound)
	}

	ours.limit = fmt.Sprintf("%v: 4 round trips (list, start_batch, append_batch, commit)", 4**latency)
	emu.reset()
	again := push(emu, root, "/ours", "dropbox-post push, unchanged")
	again.limit = splitLimit(n, *latency)
	again.note = fmt.Sprintf("%d requests: list_folder for the folder's own entries and each of its 10 sub-folders, side by side (target at most 1 + 10: %s)", again.requests, met(again.requests <= 11))
	return []row{ref, ours, again}
}

func bigFile(dir string) []row {
	size := int64(*bigMiB) << 20
	fmt.Printf("== one file of %d MiB, no latency\n", *bigMiB)
	path := filepath.Join(dir, "big", "model.bin")
	writeRandom(path, size, 42)
	syncDisks() // no writeback of the new file during the measurements
	emu := startEmulator()
	defer emu.stop()

	postRaw(emu.URL+"/emulator/sink?hash=false", path, min(size, 64<<20)) // warm up the connection and the page cache
	start := time.Now()
	postRaw(emu.URL+"/emulator/sink?hash=false", path, size)
	wire := row{name: "one raw POST stream, discarded", wall: time.Since(start), requests: -1, sent: size}
	wire.note = fmt.Sprintf("%.0f MB/s: loopback and HTTP alone, for scale", float64(size)/wire.wall.Seconds()/1e6)
	start = time.Now()
	postRaw(emu.URL+"/emulator/sink", path, size)
	raw := row{name: "reference: one raw POST stream", wall: time.Since(start), requests: -1, sent: size}
	raw.note = fmt.Sprintf("%.0f MB/s: received as the emulator receives upload data (content hash computed)", float64(size)/raw.wall.Seconds()/1e6)

	emu.reset()
	ours := push(emu, path, "/big", "dropbox-post push, one large file")
	ratio := raw.wall.Seconds() / ours.wall.Seconds()
	ours.limit = fmt.Sprintf("%v: the raw stream", raw.wall.Round(time.Millisecond))
	ours.note = fmt.Sprintf("%.0f MB/s, %.0f%% of the raw stream (target 70%%: %s); peak RSS target under 256 MiB: %s",
		float64(size)/ours.wall.Seconds()/1e6, 100*ratio, met(ratio >= 0.7), met(ours.rssMiB < 256))
	emu.stop()

	rows := []row{wire, raw, ours}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		start = time.Now()
		run(exec.Command("sha256sum", path))
		sum := row{name: "reference: sha256sum", wall: time.Since(start), requests: -1}
		sum.note = fmt.Sprintf("%.0f MB/s", float64(size)/sum.wall.Seconds()/1e6)
		start = time.Now()
		run(exec.Command(*bin, "hash", path))
		h := row{name: "dropbox-post hash", wall: time.Since(start), requests: -1}
		r := sum.wall.Seconds() / h.wall.Seconds()
		h.note = fmt.Sprintf("%.0f MB/s, %.0f%% of sha256sum's throughput (target 80%%: %s)", float64(size)/h.wall.Seconds()/1e6, 100*r, met(r >= 0.8))
		rows = append(rows, sum, h)
	} else {
		rows = append(rows, row{name: "hashing", requests: -1, note: "sha256sum not found: no reference"})
	}
	os.Remove(path)
	return rows
}

// linkFile sends one large file through an emulated link (bandwidth and
// latency) and reports the share of the link it used: the file's bytes
// over the time the link would need for them alone.
func linkFile(dir string) []row {
	size := int64(*linkMiB) << 20
	fmt.Printf("== one file of %d MiB through %.0f MB/s at %v per request\n", *linkMiB, float64(*linkBW)/1e6, *linkLat)
	path := filepath.Join(dir, "link", "model.bin")
	writeRandom(path, size, 7)
	syncDisks()
	emu := startEmulator("--bandwidth", fmt.Sprint(*linkBW), "--latency", linkLat.String())
	defer emu.stop()
	ours := push(emu, path, "/link", "dropbox-post push through the link")
	used := float64(size) / float64(*linkBW) / ours.wall.Seconds()
	ours.limit = fmt.Sprintf("%v: the bytes at the link's rate", seconds(float64(size)/float64(*linkBW)).Round(10*time.Millisecond))
	ours.note = fmt.Sprintf("%.1f%% of the link (target 95%%: %s)", 100*used, met(used >= 0.95))
	os.Remove(path)
	return []row{ours}
}

// bwLimit pushes a large file and 200 small ones with --bwlimit and
// reports the rate the emulator saw (request and response bodies, as the
// limit counts them) against the limit.
func bwLimit(dir string) []row {
	size := int64(*bwMiB) << 20
	fmt.Printf("== %d MiB with --bwlimit %d\n", *bwMiB, *bwRate)
	root := filepath.Join(dir, "bwlimit")
	writeRandom(filepath.Join(root, "model.bin"), size-200*4096, 9)
	for i := 0; i < 200; i++ {
		writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/out.csv", i)), 4096, uint64(i))
	}
	syncDisks()
	emu := startEmulator()
	defer emu.stop()
	ours := push(emu, root, "/bwlimit", "dropbox-post push --bwlimit", "--bwlimit", fmt.Sprint(*bwRate))
	st, err := emu.Stats()
	check(err)
	got := float64(st.BytesReceived+st.BytesSent) / ours.wall.Seconds()
	off := 100 * (got/float64(*bwRate) - 1)
	ours.limit = fmt.Sprintf("%d B/s: the limit", *bwRate)
	ours.note = fmt.Sprintf("%.0f B/s against a limit of %d: %+.1f%% (target within 5%%: %s)", got, *bwRate, off, met(off > -5 && off < 5))
	os.RemoveAll(root)
	return []row{ours}
}

func manyFiles(dir string) []row {
	n := *manyN
	fmt.Printf("== %d small files, no latency\n", n)
	root := filepath.Join(dir, "many")
	for i := 0; i < n; i++ {
		writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/fold-%d/out-%d.csv", i%50, i%5, i)), int64(512+i%3000), uint64(i))
	}
	syncDisks()
	emu := startEmulator()
	defer emu.stop()
	ours := push(emu, root, "/many", fmt.Sprintf("dropbox-post push, %d files", n))
	ours.note = fmt.Sprintf("peak RSS target under 300 MiB: %s", met(ours.rssMiB < 300))
	return []row{ours}
}

// reference uploads every file the way librec-auto's dropbox_post.py does:
// each file read whole into memory, one files/upload each, one after
// another.
func reference(base, root, dest string) {
	uploadEach(files.New(dropbox.Config{Token: token, URLGenerator: func(_, ns, route string) string { return base + "/2/" + ns + "/" + route }}), root, dest)
}

// uploadEach is the original script's way with the client c.
func uploadEach(c files.Client, root, dest string) {
	check(filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		arg := files.NewUploadArg(dest + "/" + filepath.ToSlash(rel))
		arg.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeOverwrite}}
		_, err = c.Upload(arg, bytes.NewReader(data))
		return err
	}))
}

// push runs bin/dropbox-post push and measures it.
func push(emu *emulator, local, dest, name string, flags ...string) row {
	args := append([]string{"push", "--output", "json", "--no-manifest", "--quiet"}, flags...)
	cmd := exec.Command(*bin, append(args, local, dest)...)
	cmd.Env = append(os.Environ(), "DROPBOX_API_URL="+emu.URL, "DROPBOX_ACCESS_TOKEN="+token)
	start := time.Now()
	out := run(cmd)
	r := row{name: name, wall: time.Since(start)}
	r.rssMiB, r.cpu = usage(cmd.ProcessState)
	var sum struct {
		Uploaded, Unchanged, Failed int
	}
	check(json.Unmarshal(out, &sum))
	if sum.Failed > 0 {
		check(fmt.Errorf("%s: %d files failed", name, sum.Failed))
	}
	r.requests, r.routes, r.sent = emu.stats()
	return r
}

// postRaw sends the first n bytes of path to url in one streamed POST.
func postRaw(url, path string, n int64) {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	req, err := http.NewRequest(http.MethodPost, url, io.LimitReader(f, n))
	check(err)
	req.ContentLength = n
	resp, err := http.DefaultClient.Do(req)
	check(err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// emulator is a dropbox-post emulator process.
type emulator struct{ *emuproc.Emulator }

func startEmulator(args ...string) *emulator {
	e, err := emuproc.Start(context.Background(), *bin, append([]string{"--token", token, "--quiet"}, args...)...)
	check(err)
	return &emulator{e}
}

func (e *emulator) stop()  { e.Stop() }
func (e *emulator) reset() { check(e.ResetStats()) }

// stats returns the requests, the requests per route and the bytes
// received since the last reset.
func (e *emulator) stats() (int64, map[string]int64, int64) {
	st, err := e.Stats()
	check(err)
	return st.Requests, st.Routes, st.BytesReceived
}

func routeList(m map[string]int64) string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", strings.TrimPrefix(n, "files/"), m[n]))
	}
	return strings.Join(parts, ", ")
}

// writeRandom writes size pseudo-random bytes to path.
func writeRandom(path string, size int64, seed uint64) {
	check(os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	check(err)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	_, err = io.CopyN(f, r, size)
	check(err)
	check(f.Close())
}

func run(cmd *exec.Cmd) []byte {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		check(fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String()))
	}
	return out
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func mib(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// removeAll removes a case's files (scratch space for the next).
func removeAll(path string) { check(os.RemoveAll(path)) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
