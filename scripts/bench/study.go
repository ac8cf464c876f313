package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// writeStudy writes a librec-auto study of 457 files, 1 KiB to 20 MiB,
// 310 MB in all, under root, and returns the number of files and bytes:
// the config, the data set (20 and 16 MiB), post-processing results, and
// 15 experiments each with a trained model (12 MiB and up), predictions
// (3 MiB), ten folds' results and logs, configs and plots. Its large files
// go in chunks and its small ones in packs, on one link.
func writeStudy(root string) (int, int64) {
	n, total := 0, int64(0)
	w := func(rel string, size int64) {
		n++
		total += size
		writeRandom(filepath.Join(root, rel), size, uint64(1000+n))
	}
	w("conf/config.xml", 3<<10)
	w("data/ratings.csv", 20<<20)
	w("data/features.csv", 16<<20)
	w("post/summary.csv", 24<<10)
	w("post/plot-ndcg.png", 90<<10)
	w("post/plot-precision.png", 85<<10)
	w("output.xml", 6<<10)
	for e := 0; e < 15; e++ {
		x := fmt.Sprintf("exp%05d", e)
		w(x+"/original/model.bin", 12<<20+int64(e)<<16)
		w(x+"/result/predictions.csv", 3<<20+int64(e)<<12)
		for k := 0; k < 10; k++ {
			w(fmt.Sprintf("%s/result/out-%d.csv", x, k), 64<<10+int64((e*10+k)%13)*16<<10)
			w(fmt.Sprintf("%s/log/fold-%d.log", x, k), 4<<10+int64((e+k)%7)*2<<10)
		}
		for k := 0; k < 3; k++ {
			w(fmt.Sprintf("%s/conf/part-%d.xml", x, k), 1<<10+int64(k)*512)
		}
		for k := 0; k < 5; k++ {
			w(fmt.Sprintf("%s/post/plot-%d.png", x, k), 40<<10)
		}
	}
	return n, total
}

// studyCase pushes the study through an emulated link (-study-bandwidth,
// -study-latency) and reports the share of the link used by whole-command
// time, and the peak memory.
func studyCase(dir string) []row {
	root := filepath.Join(dir, "study")
	n, size := writeStudy(root)
	syncDisks()
	fmt.Printf("== a study: %d files, %.0f MB, through %.0f MB/s at %v per request\n", n, float64(size)/1e6, float64(*studyBW)/1e6, *studyLat)
	emu := startEmulator("--bandwidth", fmt.Sprint(*studyBW), "--latency", studyLat.String())
	defer emu.stop()
	ours := push(emu, root, "/study", "dropbox-post push, the study")
	link := seconds(float64(size) / float64(*studyBW))
	used := link.Seconds() / ours.wall.Seconds()
	ours.limit = fmt.Sprintf("%v: the bytes at the link's rate", link.Round(10*time.Millisecond))
	ours.note = fmt.Sprintf("%.0f%% of the link (target 95%%: %s); peak RSS target 128 MiB: %s", 100*used, met(used >= 0.95), met(ours.rssMiB <= 128))
	return []row{ours}
}
