// Command dist builds the release archives of dropbox-post: one per
// platform researchers use (linux, darwin and windows, on amd64 and arm64),
// each a static binary (CGO_ENABLED=0, -trimpath, the version stamped in)
// packed with the README, the LICENSE, the CHANGELOG, the documentation
// (docs/, with the generated command reference), man pages generated for
// the version (man/man1/, by plugin/cmd/docgen) and the librec-auto shim
// (plugin/internal/shiminstall/dropbox-post.py, the one the binary
// carries), in a folder of the archive's name: .tar.gz for linux and
// darwin, .zip for windows. It writes SHA256SUMS beside them, in
// sha256sum's format. 'make dist' runs it from the repository root:
//
//	go run ./scripts/dist -version v1.2.0 [-out dist] [-go go] [-platforms linux/amd64,…]
//
// It uses Go alone (no tar, zip or sha256sum), so it runs the same on any
// machine. The archives are reproducible: the same commit gives the same
// bytes, on any machine, in any folder (-trimpath, -buildid=, every entry
// dated by the commit (SOURCE_DATE_EPOCH when set), owned by uid and gid 0
// with no user or group name, with fixed modes, in a fixed order, and no
// time or name in the gzip header); 'make dist-check' builds them twice,
// the second time with an empty build cache, and compares.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// platforms are the GOOS/GOARCH pairs of the release.
var platforms = []string{
	"linux/amd64", "linux/arm64",
	"darwin/amd64", "darwin/arm64",
	"windows/amd64", "windows/arm64",
}

// versionVar is where the linker stamps the version.
const versionVar = "github.com/librec-auto/dropbox-post/plugin/internal/cli.Version"

func main() {
	version := flag.String("version", "", "the version to stamp in and name the archives with (required)")
	out := flag.String("out", "dist", "the folder to write the archives and SHA256SUMS to (emptied first)")
	goCmd := flag.String("go", "go", "the go command")
	only := flag.String("platforms", strings.Join(platforms, ","), "the GOOS/GOARCH pairs to build, comma-separated")
	flag.Parse()
	if *version == "" || strings.ContainsAny(*version, `/\ `) {
		fail(fmt.Errorf("-version %q: give a version such as v1.2.0 (no slash or space)", *version))
	}
	chosen := strings.Split(*only, ",")
	for _, p := range chosen {
		if !slices.Contains(platforms, p) {
			fail(fmt.Errorf("-platforms: %q is not one of %s", p, strings.Join(platforms, ", ")))
		}
	}
	if err := dist(*goCmd, *version, *out, chosen); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "dist: %v\n", err)
	os.Exit(1)
}

func dist(goCmd, version, out string, platforms []string) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run it from the repository root (make dist)")
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	build := filepath.Join(out, ".build")
	if err := os.MkdirAll(build, 0o755); err != nil {
		return err
	}
	mtime, err := sourceTime()
	if err != nil {
		return err
	}
	man := filepath.Join(build, "man", "man1")
	fmt.Println("generating the man pages")
	cmd := exec.Command(goCmd, "run", "./plugin/cmd/docgen", "-markdown", "", "-man", man, "-version", version)
	cmd.Env = append(os.Environ(), fmt.Sprintf("SOURCE_DATE_EPOCH=%d", mtime.Unix()))
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("generating the man pages: %w", err)
	}
	extras, err := extraFiles(man)
	if err != nil {
		return err
	}
	var sums []string
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := fmt.Sprintf("dropbox-post_%s_%s_%s", version, goos, goarch)
		exe := "dropbox-post"
		if goos == "windows" {
			exe += ".exe"
		}
		bin := filepath.Join(build, name, exe)
		fmt.Printf("building %s\n", p)
		cmd := exec.Command(goCmd, "build", "-trimpath", "-ldflags", "-s -w -buildid= -X "+versionVar+"="+version, "-o", bin, "./plugin/cmd/dropbox-post")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building for %s: %w", p, err)
		}
		files := append([]file{{src: bin, name: exe, mode: 0o755}}, extras...)
		archive := name + ".tar.gz"
		write := writeTarGz
		if goos == "windows" {
			archive, write = name+".zip", writeZip
		}
		if err := write(filepath.Join(out, archive), name, files, mtime); err != nil {
			return fmt.Errorf("packing %s: %w", archive, err)
		}
		sum, err := sha256File(filepath.Join(out, archive))
		if err != nil {
			return err
		}
		sums = append(sums, sum+"  "+archive)
	}
	if err := os.RemoveAll(build); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(strings.Join(sums, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %d archives and SHA256SUMS in %s/\n", len(platforms), out)
	return nil
}

// file is one file of an archive: src on disk, name inside the archive's
// folder.
type file struct {
	src, name string
	mode      int64
}

// extraFiles are what every archive holds besides the binary: the README,
// the LICENSE, the CHANGELOG, every file under docs/ (the command reference
// included), the man pages in manDir (as man/man1/), and the shim.
func extraFiles(manDir string) ([]file, error) {
	fs := []file{
		{src: "README.md", name: "README.md", mode: 0o644},
		{src: "LICENSE", name: "LICENSE", mode: 0o644},
		{src: "CHANGELOG.md", name: "CHANGELOG.md", mode: 0o644},
	}
	for _, tree := range []struct{ dir, into string }{{"docs", "docs"}, {manDir, "man/man1"}} {
		err := filepath.WalkDir(tree.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, err := filepath.Rel(tree.dir, path)
			if err != nil {
				return err
			}
			fs = append(fs, file{src: path, name: tree.into + "/" + filepath.ToSlash(rel), mode: 0o644})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	fs = append(fs, file{src: filepath.Join("plugin", "internal", "shiminstall", "dropbox-post.py"), name: "dropbox-post.py", mode: 0o755})
	for _, f := range fs {
		if _, err := os.Stat(f.src); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// sourceTime is the time stamped on archive entries and man pages, the
// same for every build of a commit: SOURCE_DATE_EPOCH when set (the
// reproducible-builds convention), else the time of the commit checked out
// (git log), else an error: never the time of the build.
func sourceTime() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	out, err := exec.Command("git", "log", "-1", "--format=%ct").Output()
	if n, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && perr == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("no date for the archives: run it in a git checkout (the commit's time is used), or set SOURCE_DATE_EPOCH")
}

func writeTarGz(path, dir string, files []file, mtime time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f) // no name, no time, OS "unknown": the same on every machine
	tw := tar.NewWriter(gz)
	// Owner 0:0 without names, mtime in whole seconds, nothing else from
	// the machine (USTAR, so no PAX records carry atime or ctime).
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	for _, fl := range files {
		data, err := os.ReadFile(fl.src)
		if err != nil {
			return err
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: dir + "/" + fl.name, Mode: fl.mode, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatPAX}
		if len(h.Name) <= 100 {
			h.Format = tar.FormatUSTAR // PAX only for a name too long for USTAR
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

func writeZip(path, dir string, files []file, mtime time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, fl := range files {
		data, err := os.ReadFile(fl.src)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: dir + "/" + fl.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(fl.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
