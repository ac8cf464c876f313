// Command demo shows dropbox-post's main job end to end, with nothing but
// Go and the built program: it starts the built-in Dropbox emulator, writes
// a key file for it, runs the post-processing of a copy of
// studies/movielens-demo with 'dropbox-post run -t STUDY -k PASSWORD' (as a
// user would), shows what landed on the emulated Dropbox, and runs again to
// show that nothing is sent twice. 'make demo' builds bin/dropbox-post and
// runs it from the repository root; the copy lives in .demo/ and is removed
// at the end, so the repository is left as it was.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator/emuproc"
)

const (
	exampleStudy = "studies/movielens-demo"
	scratch      = ".demo"
	// The emulator's token and the demo key's password: made up for the
	// demo, they open nothing but the local emulator.
	demoToken    = "demo-emulator-token"
	demoPassword = "demo-password"
)

func main() {
	bin := flag.String("bin", "bin/dropbox-post", "the dropbox-post program to show")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := demo(ctx, *bin); err != nil {
		fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("\nDone in %.1fs. The emulator is stopped and %s/ removed; the repository is unchanged.\n", time.Since(start).Seconds(), scratch)
}

func demo(ctx context.Context, bin string) error {
	if _, err := os.Stat(filepath.Join(exampleStudy, "conf", "config.xml")); err != nil {
		return fmt.Errorf("%s not found: run the demo from the repository root (make demo)", exampleStudy)
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s not found: build it first (make build), or run make demo", bin)
	}

	heading("1. Start a local Dropbox: the emulator built into dropbox-post")
	emu, err := startEmulator(ctx, bin)
	if err != nil {
		return err
	}
	defer emu.Stop()
	fmt.Printf("   listening at %s (point DROPBOX_API_URL at it)\n", emu.URL)

	heading("2. Copy the example study and give it an encrypted key")
	study := filepath.Join(scratch, filepath.Base(exampleStudy))
	if err := os.RemoveAll(scratch); err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	if err := copyStudy(exampleStudy, study); err != nil {
		return err
	}
	fmt.Printf("   %s → %s\n", exampleStudy, study)
	tmp, err := os.MkdirTemp("", "dropbox-post-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	token := filepath.Join(tmp, "token.txt")
	if err := os.WriteFile(token, []byte(demoToken+"\n"), 0o600); err != nil {
		return err
	}
	key := filepath.Join(study, "keys", "dropbox.enc")
	if err := emu.run(ctx, bin, "encrypt", "--encrypted", key, "--key", token, "-k", demoPassword); err != nil {
		return err
	}

	heading("3. Post the study's results, as librec-auto's post-processing would")
	if err := emu.run(ctx, bin, "run", "-t", study, "-k", demoPassword); err != nil {
		return err
	}

	heading("4. What landed on the emulated Dropbox")
	if err := emu.showFiles(); err != nil {
		return err
	}

	heading("5. Run again: nothing changed, so nothing is sent")
	if err := emu.ResetStats(); err != nil {
		return err
	}
	if err := emu.run(ctx, bin, "run", "-t", study, "-k", demoPassword); err != nil {
		return err
	}
	return emu.showStats()
}

func heading(s string) { fmt.Printf("\n== %s\n", s) }

// emulator is the demo's emulator process.
type emulator struct{ *emuproc.Emulator }

func startEmulator(ctx context.Context, bin string) (*emulator, error) {
	e, err := emuproc.Start(ctx, bin, "--token", demoToken)
	if err != nil {
		return nil, err
	}
	return &emulator{e}, nil
}

// run shows and runs dropbox-post against the emulator; its output is the
// demo's. The password is not shown.
func (e *emulator) run(ctx context.Context, bin string, args ...string) error {
	shown := make([]string, len(args))
	copy(shown, args)
	for i := range shown {
		if i > 0 && shown[i-1] == "-k" {
			shown[i] = "'<demo password>'"
		}
	}
	fmt.Printf("$ DROPBOX_API_URL=%s %s %s\n", e.URL, bin, strings.Join(shown, " "))
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DROPBOX_API_URL="+e.URL)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dropbox-post %s: %v", args[0], err)
	}
	return nil
}

// showFiles prints the emulator's files (GET /emulator/files) as a tree.
func (e *emulator) showFiles() error {
	var files []struct {
		Path string `json:"path_display"`
		Size int64  `json:"size"`
	}
	if err := e.Get("/emulator/files", &files); err != nil {
		return err
	}
	sort.Slice(files, func(i, j int) bool { return strings.ToLower(files[i].Path) < strings.ToLower(files[j].Path) })
	var total int64
	var prev []string
	for _, f := range files {
		parts := strings.Split(strings.TrimPrefix(f.Path, "/"), "/")
		dirs, name := parts[:len(parts)-1], parts[len(parts)-1]
		same := 0
		for same < len(dirs) && same < len(prev) && dirs[same] == prev[same] {
			same++
		}
		for i := same; i < len(dirs); i++ {
			fmt.Printf("   %s%s/\n", strings.Repeat("  ", i), dirs[i])
		}
		indent := strings.Repeat("  ", len(dirs))
		fmt.Printf("   %s%-*s %9s\n", indent, 40-len(indent), name, size(f.Size))
		prev = dirs
		total += f.Size
	}
	fmt.Printf("   %d files, %s\n", len(files), size(total))
	return nil
}

// showStats prints what the emulator was asked since its counters were
// reset (GET /emulator/stats).
func (e *emulator) showStats() error {
	st, err := e.Stats()
	if err != nil {
		return err
	}
	var routes []string
	for name, n := range st.Routes {
		routes = append(routes, fmt.Sprintf("%s ×%d", name, n))
	}
	sort.Strings(routes)
	fmt.Printf("   the emulator saw %d requests in the second run (%s received): %s\n",
		st.Requests, size(st.BytesReceived), strings.Join(routes, ", "))
	uploads := int64(0)
	for name, n := range st.Routes {
		if strings.Contains(name, "upload") {
			uploads += n
		}
	}
	fmt.Printf("   %d of them uploads: the files were compared by content hash, and all were there.\n", uploads)
	return nil
}

// copyStudy copies the example study, as committed: without a key file
// left by an earlier demo, and without dropbox-post's own state.
func copyStudy(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && d.Name() == ".dropbox-post":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case filepath.Ext(p) == ".enc" || !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// size formats a byte count: "522 B", "15.2 KiB".
func size(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, units := float64(n)/1024, "KMGT"
	for i := 0; ; i++ {
		if f < 1024 || i == len(units)-1 {
			return fmt.Sprintf("%.1f %ciB", f, units[i])
		}
		f /= 1024
	}
}
