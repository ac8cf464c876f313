package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/pflag"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// TestConfigCannotWiden tries every flag of run (enumerated from the
// command, so a new flag is covered by itself), in three spellings, as a
// <param> of a study's config posted by run, and as a --NAME=VALUE argument
// of librec-auto's calling convention. A config may come from a public
// repository: none of them may send a request elsewhere (a second loopback
// listener stands for "anyhost" and must see no connection), read or post a
// file outside the study, or write outside it. The element's own params
// (encrypted_key, password, share, and the filters, which only narrow) are the exceptions: they keep their
// meaning, and an encrypted_key outside the study is refused (exit 3).
func TestConfigCannotWiden(t *testing.T) {
	emu := emutest.Serve(t, emulator.Options{Tokens: []string{"sl.widen-test-token-0123456789"}})
	base := emu.URL()

	anyhost, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer anyhost.Close()
	var reached atomic.Int32
	go func() {
		for {
			c, err := anyhost.Accept()
			if err != nil {
				return
			}
			reached.Add(1)
			c.Close()
		}
	}()
	anyURL := "http://" + anyhost.Addr().String() + "/"

	top := fastTempDir(t)
	study, outside := filepath.Join(top, "study"), filepath.Join(top, "outside")
	mustWrite(t, filepath.Join(study, "post", "summary.csv"), "Experiment,NormalizedDCG\n")
	mustWrite(t, filepath.Join(outside, "secret.txt"), "not for Dropbox\n")
	mustWrite(t, filepath.Join(outside, "key.enc"), "not a key\n")
	mustWrite(t, filepath.Join(outside, "pw"), "hunter2\n")
	mustWrite(t, filepath.Join(outside, "conf", "config.xml"), elementXML("secret.txt", ""))
	before := listTree(t, outside)

	// valueFor is the most widening value of a flag: the other host, a path
	// outside the study, true, the most parallelism.
	valueFor := func(f *pflag.Flag) string {
		name := strings.ReplaceAll(f.Name, "_", "-") // flags may be normalised either way
		switch {
		case f.Value.Type() == "bool":
			return "true"
		case f.Value.Type() == "int":
			return "64"
		case strings.Contains(name, "url"):
			return anyURL
		case name == "target":
			return outside
		case name == "config":
			return filepath.Join(outside, "conf", "config.xml")
		case name == "manifest-dir":
			return filepath.Join(outside, "manifests")
		case name == "password-file" || name == "exclude-from":
			return filepath.Join(outside, "pw")
		case name == "max-size":
			return "1G"
		case name == "encrypted-key":
			return filepath.Join(outside, "key.enc")
		case name == "output" || name == "log-format":
			return "json"
		case name == "if-exists":
			return "fail"
		}
		return "SENTINEL-" + f.Name
	}
	type flagCase struct{ name, value string }
	var flags []flagCase
	env0 := OSEnv()
	root := newRootCmd(env0)
	runC, _, err := root.Find([]string{"run"})
	if err != nil {
		t.Fatal(err)
	}
	runC.InitDefaultHelpFlag()
	add := func(f *pflag.Flag) {
		v := valueFor(f)
		flags = append(flags, flagCase{f.Name, v})
		if f.Shorthand != "" {
			flags = append(flags, flagCase{f.Shorthand, v})
		}
	}
	runC.Flags().VisitAll(add)
	runC.InheritedFlags().VisitAll(add)
	if len(flags) < 15 {
		t.Fatalf("found only %d flags of run: %v", len(flags), flags)
	}

	getenv := func(k string) string {
		return map[string]string{"DROPBOX_API_URL": base, "DROPBOX_ACCESS_TOKEN": "sl.widen-test-token-0123456789", "HOME": top}[k]
	}
	spellings := func(name string) []string {
		swapped := strings.Map(func(r rune) rune {
			switch r {
			case '-':
				return '_'
			case '_':
				return '-'
			}
			return r
		}, name)
		out := []string{name}
		for _, s := range []string{swapped, strings.ToUpper(name)} {
			if s != out[len(out)-1] && s != name {
				out = append(out, s)
			}
		}
		return out
	}
	call := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: getenv}
		code := run(context.Background(), env, args)
		return code, stdout.String(), stderr.String()
	}
	t.Chdir(study)

	for _, f := range flags {
		for i, name := range spellings(f.name) {
			modes := []string{"config", "convention"}
			if i > 0 { // configschema.CanonicalParam reads both alike: its own test covers the XML side
				modes = modes[1:]
			}
			for _, mode := range modes {
				label := fmt.Sprintf("%s --%s=%q", mode, name, f.value)
				var code int
				var stdout, stderr string
				if mode == "config" {
					mustWrite(t, filepath.Join(study, "conf", "config.xml"), elementXML("post/summary.csv", fmt.Sprintf("<param name=%q>%s</param>", name, f.value)))
					code, stdout, stderr = call("run", "-t", study)
				} else {
					mustWrite(t, filepath.Join(study, "conf", "config.xml"), elementXML("post/summary.csv", ""))
					code, stdout, stderr = call("config.xml", "--option=file", "--path=post/summary.csv", "--dest=/demo", "--"+name+"="+f.value)
				}
				spec, isParam := configschema.CanonicalParam(name)
				switch {
				case isParam && spec.Name == "encrypted_key":
					if code != 3 || !strings.Contains(stderr, "outside the study") {
						t.Errorf("%s: exit %d, want 3 (a key file outside the study); stderr:\n%s", label, code, stderr)
					}
				case isParam:
					if code != 0 {
						t.Errorf("%s: exit %d, want 0 (an element param); stderr:\n%s", label, code, stderr)
					}
				default:
					if code != 0 || !strings.Contains(stdout, "summary.csv") {
						t.Errorf("%s: exit %d, want 0 and the study's file posted; stdout:\n%s\nstderr:\n%s", label, code, stdout, stderr)
					}
					want := fmt.Sprintf("unknown param %q is ignored", name)
					if mode == "convention" {
						want = fmt.Sprintf("ignoring %q", "--"+name)
					}
					if !strings.Contains(stderr, want) {
						t.Errorf("%s: no warning %q; stderr:\n%s", label, want, stderr)
					}
					if strings.Contains(f.value, "SENTINEL") && strings.Contains(stdout+stderr, f.value) {
						t.Errorf("%s: the value was printed:\n%s%s", label, stdout, stderr)
					}
				}
				if n := reached.Load(); n > 0 {
					t.Fatalf("%s: %d connections reached the other host", label, n)
				}
			}
		}
	}
	for _, fi := range emu.Files() {
		if !strings.HasPrefix(fi.Path, "/demo/") {
			t.Errorf("a file was posted outside the element's dest: %q", fi.Path)
		}
	}
	if after := listTree(t, outside); after != before {
		t.Errorf("files outside the study changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// elementXML is a config with one Dropbox element posting path to /demo,
// with extra inside the element.
func elementXML(path, extra string) string {
	return `<librec-auto><post><script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">file</param><param name="path">` + path + `</param><param name="dest">/demo</param>
` + extra + `
</script></post></librec-auto>
`
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listTree lists every path under dir with its size.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d\n", p, fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// fastTempDir is a temporary directory in memory (/dev/shm) when there is
// one: every post writes and syncs a manifest, and a hundred syncs on a busy
// disk take seconds.
func fastTempDir(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "dropbox-post-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
