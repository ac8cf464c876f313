package proof

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// Crash and resume: a push of 200 small files (500 with -soak) and a large one over a
// destination that holds an older version of every file is killed with
// SIGKILL at ten points of its work, each chosen with the emulator hook,
// then run again to the end. Dropbox must end with exactly the new
// version, and at no request of either push (nor just after the kill) may
// it hold a file that is neither the old nor the new version.
//
// The large file is 17 MiB (three 8 MiB chunks, the last one short) in
// `go test`, 300 MiB (38 chunks) with -soak (about 40 s). Old
// and new large files have the same size, so that only their hash tells
// them apart, as for most of the small files.

const largeRel = "models/final.bin"

// killPoints are the ten moments, for a large file of n chunks whose new
// version has the content hash large.
func killPoints(n int, large string) []killPoint {
	before, after := emulator.BeforeWork, emulator.AfterWork
	return []killPoint{
		{name: "listing", route: "list_folder", phase: before, nth: 1},
		{name: "start_batch-done-answer-lost", route: "upload_session/start_batch", phase: after, nth: 1},
		{name: "append_batch-in-flight", route: "upload_session/append_batch", phase: before, nth: 1},
		{name: "append_batch-done-answer-lost", route: "upload_session/append_batch", phase: after, nth: 1},
		{name: "first-commit-not-processed", route: "upload_session/finish_batch_v2", phase: before, nth: 1},
		{name: "first-commit-done-answer-lost", route: "upload_session/finish_batch_v2", phase: after, nth: 1},
		{name: "large-session-opened", route: "upload_session/start", phase: after, nth: 1},
		{name: "large-chunk-in-flight", route: "upload_session/append_v2", phase: before, nth: min(2, n)},
		{name: "large-last-chunk-done-answer-lost", route: "upload_session/append_v2", phase: after, nth: n},
		{name: "large-commit-done-answer-lost", route: "upload_session/finish_batch_v2", phase: after, nth: 1,
			when: func(held map[string]string) bool { return held[remoteName(crashDest, largeRel)] == large }},
	}
}

const crashDest = "/Studies/Crash"

// crashRow is the outcome of one kill point.
type crashRow struct {
	point            string
	newAtKill        int // files holding the new version just after the kill
	uploaded, unchgd int // what the re-run did
	checks           int // old-or-new checks made
}

func TestCrashAndResume(t *testing.T) {
	size, small := int64(17*MiB), 200
	if *soak {
		size, small = 300*MiB, 500
	}
	n := int((size + transfer.ChunkSize - 1) / transfer.ChunkSize)
	cache := t.TempDir() // the two versions of the large file, written once
	oldLarge := largeFile(t, cache, "old.bin", size, 1)
	newLarge := largeFile(t, cache, "new.bin", size, 2)

	var rows []crashRow
	for _, kp := range killPoints(n, newLarge) {
		t.Run(kp.name, func(t *testing.T) {
			rows = append(rows, crashOnce(t, kp, small, cache, oldLarge, newLarge))
		})
	}
	show(t, crashTable(size, rows))
}

// crashOnce pushes the old version, then the new one killed at kp, then
// the new one again to the end, each to the same new emulator.
func crashOnce(t *testing.T, kp killPoint, small int, cache, oldLarge, newLarge string) crashRow {
	root := t.TempDir()
	k := &killer{point: kp, dest: crashDest}
	srv, url := startEmulator(t, emulator.Options{Hook: k.hook})
	k.srv.Store(srv)

	old := smallFiles(t, root, small, 1)
	old[largeRel] = oldLarge
	link(t, filepath.Join(cache, "old.bin"), root, largeRel)
	k.setVersions(old, nil)
	push(t, url, pushArgs(root, crashDest, "")...).ok(t, "push of the old version")
	exactly(t, srv, crashDest, old, false)

	new := smallFiles(t, root, small, 2)
	new[largeRel] = newLarge
	link(t, filepath.Join(cache, "new.bin"), root, largeRel)
	k.setVersions(old, new)
	k.killedPush(t, url, pushArgs(root, crashDest, "")...)

	out := push(t, url, pushArgs(root, crashDest, "")...)
	sum := out.ok(t, "the push run again after the kill")
	exactly(t, srv, crashDest, new, true)
	k.mu.Lock()
	defer k.mu.Unlock()
	failWith(t, k.problems, "Dropbox held a file that is neither its old nor its new version")
	if sum.Uploaded+sum.Unchanged != len(new) || sum.Unchanged < k.atKill {
		t.Errorf("the re-run uploaded %d and left %d unchanged; want %d in all, and at least the %d files already new left alone",
			sum.Uploaded, sum.Unchanged, len(new), k.atKill)
	}
	return crashRow{point: kp.name, newAtKill: k.atKill, uploaded: sum.Uploaded, unchgd: sum.Unchanged, checks: k.checks}
}

// link puts the file at from at root/rel (a hard link: the 300 MiB
// versions are written once).
func link(t testing.TB, from, root, rel string) {
	t.Helper()
	to := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(to)
	if err := os.Link(from, to); err != nil {
		t.Fatal(err)
	}
}

func crashTable(size int64, rows []crashRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "crash and resume: 500 small files and one of %d MiB, old version on Dropbox, SIGKILL at each point, then run again\n", size/MiB)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "kill point\tnew at kill\tre-run uploaded\tre-run unchanged\told-or-new checks\t")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t\n", r.point, r.newAtKill, r.uploaded, r.unchgd, r.checks)
	}
	w.Flush()
	return b.String()
}
