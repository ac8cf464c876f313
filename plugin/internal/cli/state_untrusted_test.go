//go:build unix

package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// A study's .dropbox-post/ comes with the study, maybe from a public
// repository: what it holds is read with links refused, regular files
// only, within size caps, and links in its place are not followed. Each
// test here plants what a hostile study could ship, and runs the study.

// bigName is the large file of stateStudy, and bigDest its Dropbox path.
const (
	bigName = "exp00000/model.bin"
	bigDest = "/demo/exp00000/model.bin"
)

// stateStudy is runStudy with a file large enough to go in chunks (so
// that its upload state is looked up), and a home folder of its own.
func stateStudy(t *testing.T) (study, home string, srv *emulator.Server, base string) {
	t.Helper()
	study, srv, base = runStudy(t)
	mustWrite(t, filepath.Join(study, bigName), strings.Repeat("m", 8<<20+1))
	return study, filepath.Join(filepath.Dir(study), "home"), srv, base
}

// runIn runs dropbox-post run on study with HOME set to home.
func runIn(t *testing.T, study, home, base string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{"DROPBOX_API_URL": base, "HOME": home}
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), env, []string{"run", "-t", study, "-k", testPassword})
	return code, out.String(), errb.String()
}

// mustRun runs study and fails the test if the run fails.
func mustRun(t *testing.T, study, home, base string) string {
	t.Helper()
	code, stdout, stderr := runIn(t, study, home, base)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return stdout + stderr
}

// stateName is the name of the upload state of dest (package resume's).
func stateName(dest string) string {
	h := sha256.Sum256([]byte(strings.ToLower(dest)))
	return hex.EncodeToString(h[:12]) + ".json"
}

// newestManifest is a name a manifest of /demo would have, newer than any.
const newestManifest = "20991231T235959Z-demo.json"

func plantLink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// An upload state that is a link to /dev/zero is not read (it crashed the
// first run that sent a large file, out of memory).
func TestStudyStateLinkToDevZero(t *testing.T) {
	study, home, srv, base := stateStudy(t)
	plantLink(t, "/dev/zero", filepath.Join(study, ".dropbox-post", "uploads", stateName(bigDest)))
	mustRun(t, study, home, base)
	if _, _, err := srv.File(bigDest); err != nil {
		t.Errorf("the large file is not on Dropbox: %v", err)
	}
}

// A manifest that is a link to /dev/zero is not read by an unchanged run
// (it read it whole: 21 GB and counting).
func TestStudyManifestLinkToDevZero(t *testing.T) {
	study, home, _, base := stateStudy(t)
	mustRun(t, study, home, base)
	plantLink(t, "/dev/zero", filepath.Join(study, ".dropbox-post", "manifests", newestManifest))
	if out := mustRun(t, study, home, base); !strings.Contains(out, "1 unchanged") {
		t.Errorf("the second run:\n%s", out)
	}
}

// watchFIFO watches the named pipe at path until the returned stop is
// called, which reports whether anything opened the pipe for reading: a
// writer's non-blocking open succeeds only then (ENXIO otherwise). A
// reader found is let go at once (the writer closes: it reads the end),
// so that a run that would wait on the pipe for ever does not.
func watchFIFO(t *testing.T, path string) (stop func() bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	var opened, done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				var st syscall.Stat_t
				if syscall.Fstat(fd, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFIFO {
					opened.Store(true) // not a file written in the pipe's place since
				}
				syscall.Close(fd)
			} else if !errors.Is(err, syscall.ENXIO) && !errors.Is(err, syscall.ENOENT) {
				t.Errorf("watching %s: %v", path, err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() bool {
		done.Store(true)
		<-finished
		return opened.Load()
	}
}

// Named pipes among the upload states and manifests are never opened (one
// blocked the run for ever).
func TestStudyStateFIFOs(t *testing.T) {
	study, home, _, base := stateStudy(t)
	state := watchFIFO(t, filepath.Join(study, ".dropbox-post", "uploads", stateName(bigDest)))
	mustRun(t, study, home, base)
	manifest := watchFIFO(t, filepath.Join(study, ".dropbox-post", "manifests", newestManifest))
	mustRun(t, study, home, base)
	if state() {
		t.Error("the run opened the named pipe in place of an upload state")
	}
	if manifest() {
		t.Error("the unchanged run opened the named pipe in place of a manifest")
	}
}

// A .dropbox-post that is a link out of the study is not used: nothing is
// written there (the manifest was), and a warning says where the study's
// files go instead: its folder in the user's data folder.
func TestStudyStateDirLinkOut(t *testing.T) {
	study, home, _, base := stateStudy(t)
	elsewhere := filepath.Join(filepath.Dir(study), "elsewhere")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	plantLink(t, elsewhere, filepath.Join(study, ".dropbox-post"))
	out := mustRun(t, study, home, base)
	if left, _ := os.ReadDir(elsewhere); len(left) != 0 {
		t.Errorf("written outside the study, through the link:\n%s", listTree(t, elsewhere))
	}
	if !strings.Contains(out, `.dropbox-post" is a symbolic link, which dropbox-post does not follow`) {
		t.Errorf("no warning says the link is not used:\n%s", out)
	}
	kept, _ := filepath.Glob(filepath.Join(home, ".local", "share", "dropbox-post", "studies", "study-*", "manifests", "*-demo.json"))
	if len(kept) != 1 || !strings.Contains(out, "manifest: "+filepath.Dir(kept[0])) {
		t.Errorf("the manifest is not in the user's data folder (%q), or not said to be:\n%s", kept, out)
	}
}

// A .dropbox-post/logs that is a link to another folder of the study (its
// experiments' logs) is not used: nothing there is deleted (every run
// deleted all but the 20 newest *.log files) or written.
func TestStudyLogsLinkElsewhere(t *testing.T) {
	study, home, _, base := stateStudy(t)
	logs := filepath.Join(study, "experiment-logs")
	for i := range 25 {
		mustWrite(t, filepath.Join(logs, "20200101T000000.000Z-"+strings.Repeat("1", i+1)+".log"), "an experiment's log\n")
	}
	before := listTree(t, logs)
	plantLink(t, filepath.Join("..", "experiment-logs"), filepath.Join(study, ".dropbox-post", "logs")) // inside the study
	mustRun(t, study, home, base)
	if after := listTree(t, logs); after != before {
		t.Errorf("the linked folder changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if kept, _ := filepath.Glob(filepath.Join(home, ".local", "share", "dropbox-post", "studies", "study-*", "logs", "*.log")); len(kept) != 1 {
		t.Errorf("the run's log is not in the user's data folder: %q", kept)
	}
}
