package proof

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// soak selects the long versions of the tests (make soak).
var soak = flag.Bool("soak", false, "run the long versions (more files, several seeds, a 300 MiB file) and print tables")

// program is the dropbox-post program under test, built once by TestMain.
var program string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "dropbox-post-proof-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	program = filepath.Join(dir, "dropbox-post")
	if err := build(program); err != nil {
		fmt.Fprintln(os.Stderr, "proof:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles ./plugin/cmd/dropbox-post into out. Other work in the same
// checkout may leave the program briefly unbuildable, so a failed build is
// tried again for up to two minutes before the tests give up.
func build(out string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		cmd := exec.Command("go", "build", "-o", out, "github.com/librec-auto/dropbox-post/plugin/cmd/dropbox-post")
		msg, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot build dropbox-post: %v\n%s", err, strings.TrimSpace(string(msg)))
		}
		fmt.Fprintf(os.Stderr, "proof: building dropbox-post failed, trying again in 10s: %s\n", firstLine(string(msg)))
		time.Sleep(10 * time.Second)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// show reports a table: in the test log, or, in a soak, on stdout for
// people to read.
func show(t *testing.T, table string) {
	if *soak {
		fmt.Print(table)
		return
	}
	t.Log("\n" + table)
}
