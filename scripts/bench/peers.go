package main

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// The peer cases: dropbox-post beside dbxcli and rclone, all through the
// same TLS front (see front), against the same emulator.
var (
	peerCases  = flag.String("peer-cases", "small,rerun,study,many,big,link", "peer workloads to run: small (and rerun after it), study, many, big, link")
	peersSmall = flag.Int("peers-small", 300, "files of 4 KiB in the peers' small-files case (the issue's table uses 2000; dbxcli takes about 0.1 s per file at 100 ms)")
	peersMany  = flag.Int("peers-many", 2000, "files of 1-3 KiB in the peers' many-files case (the issue's table uses 20000; rclone takes minutes per thousand)")
	peersBig   = flag.Int("peers-big", 1024, "MiB of the peers' large file")
	frontH2    = flag.Bool("front-h2", false, "the TLS front offers HTTP/2 as well as HTTP/1.1 (each client picks; Go clients, dropbox-post among them, pick HTTP/2)")
	peersRuns  = flag.Int("peers-runs", 1, "times to run the peers' large-file and link cases (each ratio, then the median, is printed)")
	smallLat   = flag.Duration("peers-small-latency", 100*time.Millisecond, "latency per request in the peers' small-files case")
	rerunLat   = flag.Duration("peers-rerun-latency", 20*time.Millisecond, "latency per request in the peers' unchanged re-run")
	peerOnly   = flag.String("peer-clients", "", "measure only these clients, comma-separated (dropbox-post, dbxcli, rclone default, rclone tuned, script); empty: all")
	reruns     = flag.Int("peers-reruns", 1, "times to run the unchanged re-run for each client (each time, then the median, is printed)")
)

// rcloneTuned are the flags of "rclone tuned".
var rcloneTuned = []string{"--transfers", "32", "--checkers", "32", "--dropbox-batch-mode", "off"}

// peer is one client measured: how to post a folder or a file.
type peer struct {
	name    string
	missing string // why it was not measured, and how to provide it
	// cmd returns the command posting local (a file when file) to dest.
	cmd func(local, dest string, file bool) *exec.Cmd
	// ref, for the original script's way (no process of its own).
	ref func(local, dest string) time.Duration
}

// peers returns dropbox-post, dbxcli and rclone (and, for the small files,
// the original script's way), each going through fr.
func peers(dir string, fr *front) []*peer {
	home := filepath.Join(dir, "peer-home")
	check(os.MkdirAll(home, 0o700))
	dp := &peer{name: "dropbox-post", cmd: func(local, dest string, _ bool) *exec.Cmd {
		// No --api-url: it speaks HTTPS to Dropbox's host names through
		// HTTPS_PROXY, as the peers do (its transport honours the proxy
		// environment).
		c := exec.Command(*bin, "push", "--output", "json", "--no-manifest", "--quiet", local, dest)
		c.Env = fr.env("HOME="+home, "DROPBOX_ACCESS_TOKEN="+token)
		return c
	}}
	dbxcli := &peer{name: "dbxcli"}
	if p := os.Getenv("DBXCLI"); p == "" {
		dbxcli.missing = "DBXCLI is not set: give the path of a dbxcli binary (make bench DBXCLI=/path/to/dbxcli; build it from github.com/dropbox/dbxcli)"
	} else if _, err := os.Stat(p); err != nil {
		dbxcli.missing = fmt.Sprintf("DBXCLI=%q: %v", p, err)
	} else {
		dbxcli.cmd = func(local, dest string, file bool) *exec.Cmd {
			args := []string{"put", "--recursive", local, dest}
			if file {
				args = []string{"put", local, dest + "/" + filepath.Base(local)}
			}
			c := exec.Command(p, args...)
			c.Env = fr.env("HOME="+home, "DBXCLI_ACCESS_TOKEN="+token)
			return c
		}
	}
	// rclone twice: as it comes, and with the settings that suit many
	// small files best here (more transfers and checkers; batch mode off,
	// since its batches wait for a timeout before they commit).
	rclone := &peer{name: "rclone default"}
	tuned := &peer{name: "rclone tuned"}
	if p, why := rcloneBinary(dir); p == "" {
		rclone.missing, tuned.missing = why, why
	} else {
		conf := filepath.Join(dir, "rclone.conf")
		// A zero expiry never expires: rclone does not ask the OAuth host.
		check(os.WriteFile(conf, []byte("[dbx]\ntype = dropbox\ntoken = {\"access_token\":\""+token+"\",\"token_type\":\"bearer\",\"expiry\":\"0001-01-01T00:00:00Z\"}\n"), 0o600))
		run := func(flags ...string) func(local, dest string, _ bool) *exec.Cmd {
			return func(local, dest string, _ bool) *exec.Cmd {
				c := exec.Command(p, append(append([]string{"copy"}, flags...), local, "dbx:"+dest)...)
				c.Env = fr.env("HOME="+home, "RCLONE_CONFIG="+conf)
				return c
			}
		}
		rclone.cmd = run()
		tuned.cmd = run(rcloneTuned...)
	}
	return []*peer{dp, dbxcli, rclone, tuned}
}

// scriptPeer is the original script's way (files/upload one file at a
// time, each read whole), through the front like the others.
func scriptPeer(fr *front) *peer {
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(fr.CAFile)
	check(err)
	pool.AppendCertsFromPEM(pem)
	proxy, _ := url.Parse(fr.URL)
	client := &http.Client{Transport: bearer{&http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	c := files.New(dropbox.Config{Token: token, Client: client})
	return &peer{name: "the original script's way", ref: func(local, dest string) time.Duration {
		start := time.Now()
		uploadEach(c, local, dest)
		return time.Since(start)
	}}
}

// bearer adds the token, as the SDK does when it makes the client itself.
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	return b.next.RoundTrip(r)
}

// rcloneBinary finds rclone: $RCLONE, or with RCLONE=build a `go install
// github.com/rclone/rclone@v1.76.0` (from the Go module proxy) into the
// user's cache folder, kept for later runs.
func rcloneBinary(dir string) (string, string) {
	p := os.Getenv("RCLONE")
	switch p {
	case "":
		return "", "RCLONE is not set: give the path of an rclone binary (make bench RCLONE=/path/to/rclone), or RCLONE=build to build v1.76.0 with go install (several minutes, once)"
	case "build":
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", "RCLONE=build: no cache folder: " + err.Error()
		}
		gobin := filepath.Join(cache, "dropbox-post-bench", "rclone-v1.76.0")
		p = filepath.Join(gobin, "rclone")
		if _, err := os.Stat(p); err != nil {
			fmt.Printf("building rclone v1.76.0 into %s (go install; several minutes, once)\n", gobin)
			cmd := exec.Command("go", "install", "github.com/rclone/rclone@v1.76.0")
			cmd.Env = append(os.Environ(), "GOBIN="+gobin)
			if out, err := cmd.CombinedOutput(); err != nil {
				return "", fmt.Sprintf("RCLONE=build: go install failed: %v\n%s", err, out)
			}
		}
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Sprintf("RCLONE=%q: %v", p, err)
	}
	return p, ""
}

// peerResult is one peer's measurement of one workload.
type peerResult struct {
	peer     string
	wall     time.Duration
	cpu      time.Duration
	server   time.Duration // CPU of the emulator and the TLS front: 0 when not measured
	rssMiB   float64
	requests int64
	note     string
}

// peerWorkload is one workload of the table: what is posted, and how the
// emulator and the front are set up.
type peerWorkload struct {
	name    string
	local   string
	file    bool
	latency time.Duration
	emuArgs []string
	size    int64  // bytes posted, for the link's use
	link    int64  // bytes per second of the link; 0: none
	limit   string // the bound no client can beat, and why
}

func peerBench(dir string) {
	fr := startFront(dir)
	defer fr.close()
	ps := peers(dir, fr)
	script := scriptPeer(fr)
	if *peerOnly != "" {
		chosen := map[string]bool{}
		for _, n := range strings.Split(*peerOnly, ",") {
			chosen[strings.TrimSpace(n)] = true
		}
		for _, p := range append(ps, script) {
			if !chosen[p.name] && !(p == script && chosen["script"]) {
				p.missing = "left out by -peer-clients"
			}
		}
	}
	fmt.Printf("== peers: dropbox-post beside dbxcli and rclone, all through one TLS front (HTTPS_PROXY %s, a private CA in SSL_CERT_FILE) to the emulator\n", fr.URL)
	for _, p := range ps {
		if p.missing != "" {
			fmt.Printf("   %s: NOT MEASURED: %s\n", p.name, p.missing)
		}
	}
	want := map[string]bool{}
	for _, c := range strings.Split(*peerCases, ",") {
		want[strings.TrimSpace(c)] = true
	}
	var tables []string
	if want["small"] {
		root := filepath.Join(dir, "peers-small")
		for i := 0; i < *peersSmall; i++ {
			writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/result/out-%d.csv", i%10, i)), 4096, uint64(i))
		}
		syncDisks()
		small := peerWorkload{name: fmt.Sprintf("%d × 4 KiB, %v per request", *peersSmall, *smallLat), local: root, latency: *smallLat,
			limit: fmt.Sprintf("%v: 4 round trips (list, open sessions, send, commit)", 4**smallLat)}
		rerun := peerWorkload{name: fmt.Sprintf("the same, unchanged re-run (%v)", *rerunLat), local: root, latency: *rerunLat,
			limit: splitLimit(*peersSmall, *rerunLat) + ", plus each client's start"}
		if *peersSmall != 2000 {
			small.name += fmt.Sprintf(" (scaled down from the issue's 2,000: -peers-small %d)", *peersSmall)
		}
		t1, t2 := runSmall(fr, append(ps, script), small, rerun, want["rerun"])
		tables = append(tables, t1)
		if t2 != "" {
			tables = append(tables, t2)
		}
		os.RemoveAll(root)
	}
	if want["study"] {
		root := filepath.Join(dir, "peers-study")
		n, size := writeStudy(root)
		syncDisks()
		link := seconds(float64(size) / float64(*studyBW))
		tables = append(tables, runRepeated(fr, ps, peerWorkload{name: fmt.Sprintf("a librec-auto study: %d files, 1 KiB–20 MiB, %.0f MB, through %.0f MB/s at %v", n, float64(size)/1e6, float64(*studyBW)/1e6, *studyLat),
			local: root, latency: *studyLat, emuArgs: []string{"--bandwidth", fmt.Sprint(*studyBW)}, size: size, link: *studyBW,
			limit: fmt.Sprintf("%v: the bytes at the link's rate", link.Round(10*time.Millisecond))}))
		os.RemoveAll(root)
	}
	if want["many"] {
		root := filepath.Join(dir, "peers-many")
		for i := 0; i < *peersMany; i++ {
			writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/fold-%d/out-%d.csv", i%50, i%5, i)), int64(1024+i%2048), uint64(i))
		}
		syncDisks()
		w := peerWorkload{name: fmt.Sprintf("%d × 1–3 KiB, no latency", *peersMany), local: root}
		if *peersMany != 20000 {
			w.name += fmt.Sprintf(" (scaled down from the issue's 20,000: -peers-many %d)", *peersMany)
		}
		tables = append(tables, runOne(fr, ps, w))
		os.RemoveAll(root)
	}
	if want["big"] {
		path := filepath.Join(dir, "peers-big", "model.bin")
		size := int64(*peersBig) << 20
		writeRandom(path, size, 42)
		syncDisks()
		tables = append(tables, runRepeated(fr, ps, peerWorkload{name: fmt.Sprintf("one file of %d MiB, no latency", *peersBig), local: path, file: true, size: size}))
		os.Remove(path)
	}
	if want["link"] {
		path := filepath.Join(dir, "peers-link", "model.bin")
		size := int64(*linkMiB) << 20
		writeRandom(path, size, 7)
		syncDisks()
		tables = append(tables, runRepeated(fr, ps, peerWorkload{name: fmt.Sprintf("one file of %d MiB through %.0f MB/s at %v", *linkMiB, float64(*linkBW)/1e6, *linkLat),
			local: path, file: true, latency: *linkLat, emuArgs: []string{"--bandwidth", fmt.Sprint(*linkBW)}, size: size, link: *linkBW,
			limit: fmt.Sprintf("%v: the bytes at the link's rate", seconds(float64(size)/float64(*linkBW)).Round(10*time.Millisecond))}))
		os.Remove(path)
	}
	fmt.Println()
	for _, t := range tables {
		fmt.Print(t)
	}
}

// runSmall measures the small files, then (rerun) the same again with
// nothing changed, each peer against an emulator of its own.
func runSmall(fr *front, ps []*peer, small, rerun peerWorkload, again bool) (string, string) {
	var r1, r2 []peerResult
	for _, p := range ps {
		if p.missing != "" {
			continue
		}
		emu := startEmulator()
		fr.use(emu.URL, small.latency)
		r1 = append(r1, measure(emu, p, small))
		if again {
			fr.use(emu.URL, rerun.latency)
			r2 = append(r2, measureMedian(emu, p, rerun, *reruns))
		}
		emu.stop()
	}
	t2 := ""
	if again {
		t2 = table(rerun, r2, ps)
	}
	return table(small, r1, ps), t2
}

// runRepeated runs a workload -peers-runs times and gives every table, then
// each peer's ratios to dropbox-post's time and their median.
func runRepeated(fr *front, ps []*peer, w peerWorkload) string {
	if *peersRuns <= 1 {
		return runOne(fr, ps, w)
	}
	var b strings.Builder
	ratios := map[string][]float64{}
	var names []string
	for i := 0; i < *peersRuns; i++ {
		rs, t := measureAll(fr, ps, w)
		b.WriteString(t)
		ours := oursOf(rs)
		for _, r := range rs {
			if r.peer == "dropbox-post" || ours <= 0 {
				continue
			}
			if _, ok := ratios[r.peer]; !ok {
				names = append(names, r.peer)
			}
			ratios[r.peer] = append(ratios[r.peer], r.wall.Seconds()/ours.Seconds())
		}
	}
	fmt.Fprintf(&b, "%s, %d runs: each peer's time over dropbox-post's\n", w.name, *peersRuns)
	for _, n := range names {
		rs := ratios[n]
		each := make([]string, len(rs))
		for i, r := range rs {
			each[i] = fmt.Sprintf("%.2fx", r)
		}
		sorted := append([]float64(nil), rs...)
		sort.Float64s(sorted)
		median := sorted[len(sorted)/2]
		if len(sorted)%2 == 0 {
			median = (sorted[len(sorted)/2-1] + median) / 2
		}
		fmt.Fprintf(&b, "  %s: %s; median %.2fx, range %.2f–%.2fx\n", n, strings.Join(each, ", "), median, sorted[0], sorted[len(sorted)-1])
	}
	b.WriteString("\n")
	return b.String()
}

// runOne measures a workload for each peer, each against a fresh emulator.
func runOne(fr *front, ps []*peer, w peerWorkload) string {
	_, t := measureAll(fr, ps, w)
	return t
}

// measureAll measures a workload for each peer, each against a fresh
// emulator, and returns the results and their table.
func measureAll(fr *front, ps []*peer, w peerWorkload) ([]peerResult, string) {
	var rs []peerResult
	for _, p := range ps {
		if p.missing != "" {
			continue
		}
		emu := startEmulator(w.emuArgs...)
		fr.use(emu.URL, w.latency)
		front := selfCPU()
		r := measure(emu, p, w)
		front = selfCPU() - front
		switch {
		case r.note != "": // FAILED, and why
		case w.link > 0:
			r.note = fmt.Sprintf("%.0f%% of the link", 100*float64(w.size)/float64(w.link)/r.wall.Seconds())
		case w.size > 0:
			r.note = fmt.Sprintf("%.0f MB/s", float64(w.size)/r.wall.Seconds()/1e6)
		}
		emu.stop()
		if st := emu.Exited(); st != nil && front > 0 {
			_, ecpu := usage(st)
			r.server = ecpu + front
		}
		rs = append(rs, r)
	}
	return rs, table(w, rs, ps)
}

func measure(emu *emulator, p *peer, w peerWorkload) peerResult {
	emu.reset()
	fmt.Printf("   %s: %s …\n", w.name, p.name)
	r := peerResult{peer: p.name}
	if p.ref != nil {
		r.wall = p.ref(w.local, "/bench")
	} else {
		cmd := p.cmd(w.local, "/bench", w.file)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			r.note = fmt.Sprintf("FAILED: %v: %s", err, lastLine(stderr.String()))
		}
		r.wall = time.Since(start)
		r.rssMiB, r.cpu = usage(cmd.ProcessState)
	}
	r.requests, _, _ = emu.stats()
	return r
}

// table prints a workload's results with each peer's time against
// dropbox-post's.
func table(w peerWorkload, rs []peerResult, ps []*peer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", w.name)
	if w.limit != "" {
		fmt.Fprintf(&b, "  limit: %s\n", w.limit)
	}
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  client\twall\tvs dropbox-post\trequests\tCPU\tpeak RSS\tserver CPU\tnote")
	ours := oursOf(rs)
	for _, r := range rs {
		ratio := "-"
		if ours > 0 && r.peer != "dropbox-post" {
			ratio = fmt.Sprintf("%.2fx", r.wall.Seconds()/ours.Seconds())
		}
		rss, cpu := "-", "-"
		if r.rssMiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", r.rssMiB)
		}
		if r.cpu > 0 {
			cpu = r.cpu.Round(10 * time.Millisecond).String()
		}
		server := "-"
		if r.server > 0 {
			server = r.server.Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.peer, r.wall.Round(10*time.Millisecond), ratio, r.requests, cpu, rss, server, r.note)
	}
	for _, p := range ps {
		if p.missing != "" {
			fmt.Fprintf(tw, "  %s\tnot measured\t\t\t\t\t\t%s\n", p.name, strings.SplitN(p.missing, ":", 2)[0])
		}
	}
	tw.Flush()
	b.WriteString("  (vs dropbox-post: the client's time over dropbox-post's; above 1 is slower. server CPU: the emulator's and the TLS front's,\n   which share this machine's cores with the client)\n\n")
	return b.String()
}

// oursOf returns dropbox-post's time among rs (0 if it was not measured).
func oursOf(rs []peerResult) time.Duration {
	for _, r := range rs {
		if r.peer == "dropbox-post" {
			return r.wall
		}
	}
	return 0
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// measureMedian measures w n times and gives the run of median wall time,
// noting every run's time when there are several.
func measureMedian(emu *emulator, p *peer, w peerWorkload, n int) peerResult {
	if n <= 1 {
		return measure(emu, p, w)
	}
	rs := make([]peerResult, n)
	for i := range rs {
		rs[i] = measure(emu, p, w)
	}
	slices.SortFunc(rs, func(a, b peerResult) int { return cmp.Compare(a.wall, b.wall) })
	m := rs[n/2]
	var walls []string
	for _, r := range rs {
		walls = append(walls, r.wall.Round(time.Millisecond).String())
	}
	m.note = strings.TrimSpace(fmt.Sprintf("median of %d (%s) %s", n, strings.Join(walls, ", "), m.note))
	return m
}
