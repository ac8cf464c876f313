package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// scaleCase pushes folders of tiny files (64 bytes each), for each count
// of -scale, then the same again unchanged: time, requests and peak memory
// per file, above the memory of a push of one file (the base). The counts
// show whether time and memory grow linearly in the number of files.
func scaleCase(dir string) []row {
	var counts []int
	for _, s := range strings.Split(*scaleCounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		counts = append(counts, n)
	}
	fmt.Printf("== scale: %s tiny files, no latency\n", *scaleCounts)
	emu := startEmulator()
	defer emu.stop()
	one := filepath.Join(dir, "scale-1")
	writeRandom(filepath.Join(one, "a.csv"), 64, 1)
	emu.reset()
	base := push(emu, one, "/scale-base", "dropbox-post push, 1 file (the base)")
	rows := []row{base}
	for _, n := range counts {
		root := filepath.Join(dir, fmt.Sprintf("scale-%d", n))
		for i := 0; i < n; i++ {
			writeRandom(filepath.Join(root, fmt.Sprintf("exp%05d/fold-%d/out-%d.csv", i%1000, i%5, i)), 64, uint64(i))
		}
		syncDisks()
		dest := fmt.Sprintf("/scale-%d", n)
		emu.reset()
		first := push(emu, root, dest, fmt.Sprintf("dropbox-post push, %d files", n))
		emu.reset()
		again := push(emu, root, dest, fmt.Sprintf("dropbox-post push, %d files unchanged", n))
		packs := (n + 999) / 1000
		first.limit = fmt.Sprintf("%d requests: 1 list, 3 a thousand files", 1+3*packs)
		again.limit = fmt.Sprintf("%d requests: the listing's pages", listPages(n+2*min(n, 1000)))
		for _, r := range []*row{&first, &again} {
			perFile := (r.rssMiB - base.rssMiB) * (1 << 20) / float64(n)
			r.note = fmt.Sprintf("%.1f µs a file, %.1f requests a thousand; %.0f B of memory a file above the base (target 1 KiB: %s)",
				float64(r.wall.Microseconds())/float64(n), 1000*float64(r.requests)/float64(n), perFile, met(perFile <= 1024))
		}
		rows = append(rows, first, again)
		removeAll(root)
	}
	return rows
}

// listPages is the number of pages (requests) Dropbox lists n entries in:
// 2,000 a page, and a last one that says there is no more.
func listPages(n int) int { return n/2000 + 1 }

// splitLimit is the limit of an unchanged re-run of n files in 10
// sub-folders (exp%05d/result/, as the small cases write them): the
// sub-folders listed side by side, a round trip a page of the largest.
func splitLimit(n int, latency time.Duration) string {
	pages := listPages((n+9)/10 + 2)
	return fmt.Sprintf("%v: %d round trip(s): the 10 sub-folders listed side by side, %d page(s) each", time.Duration(pages)*latency, pages, pages)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
