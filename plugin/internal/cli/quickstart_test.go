package cli

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// quickStart is the README's quick start, as written: step 2's auth
// command, step 3's config element, step 4's run command.
type quickStart struct {
	auth, element, run []string
}

func readQuickStart(t *testing.T) quickStart {
	t.Helper()
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "## Quick start for a study")
	if start < 0 {
		t.Fatal("README: no quick start")
	}
	text = text[start:]
	text = text[:strings.Index(text[3:], "\n## ")+3]
	auth := regexp.MustCompile("(?m)^\\s*(dropbox-post auth [^\\n`]*)$").FindStringSubmatch(text)
	element := regexp.MustCompile("(?s)```xml\\n(.*?)```").FindStringSubmatch(text)
	run := regexp.MustCompile("`(dropbox-post run [^`]*)`").FindStringSubmatch(text)
	if auth == nil || element == nil || run == nil {
		t.Fatalf("README's quick start: cannot find the auth command, the config element or the run command:\n%s", text)
	}
	return quickStart{auth: strings.Fields(auth[1])[1:], element: []string{element[1]}, run: strings.Fields(run[1])[1:]}
}

// TestQuickStartWordForWord follows the README's quick start literally
// against the emulator: auth (the authorize page approved as a browser
// would), the config element, then run, which must end with exit 0 and the
// shared link the element asks for. Leaving --share out of auth must stop
// run before anything is sent (exit 7), naming the missing scope.
func TestQuickStartWordForWord(t *testing.T) {
	qs := readQuickStart(t)
	for _, tc := range []struct {
		name  string
		share bool
	}{{"as written", true}, {"auth without --share", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := authEmulator(t, emulator.Options{Apps: []emulator.App{{Key: "YOUR_APP_KEY"}}})
			top := t.TempDir()
			study := filepath.Join(top, "mystudy")
			for _, d := range []string{"keys", "conf", "exp00000"} {
				if err := os.MkdirAll(filepath.Join(study, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			config := "<librec-auto>\n<post>\n" + qs.element[0] + "</post>\n</librec-auto>\n"
			os.WriteFile(filepath.Join(study, "conf", "config.xml"), []byte(config), 0o644)
			os.WriteFile(filepath.Join(study, "exp00000", "results.csv"), []byte("user,item,score\n1,2,0.5\n"), 0o644)
			vars := map[string]string{"DROPBOX_API_URL": base, "DROPBOX_POST_PASSWORD": "PASSWORD"}

			// Step 2, in the study directory (the key path is the study's).
			args := qs.auth
			if !tc.share {
				args = slicesDelete(args, "--share")
			}
			t.Chdir(study)
			s := startAuthEnv(t, vars, args)
			code, status := approve(t, s.authorizeURL())
			if code == "" {
				t.Fatalf("the authorize page gave no code (status %d)", status)
			}
			if rc, out := s.finish(code); rc != 0 {
				t.Fatalf("auth %q: exit %d\n%s%s", args, rc, out, s.stderr.String())
			}

			// Step 4, from the folder that holds the study.
			t.Chdir(top)
			runArgs := make([]string, len(qs.run))
			copy(runArgs, qs.run)
			rc, stdout, stderr := authCLI(vars, "", runArgs...)
			if tc.share {
				if rc != 0 || !strings.Contains(stdout, "shared link: https://") {
					t.Fatalf("run %q: exit %d\n%s%s", runArgs, rc, stdout, stderr)
				}
				if len(srv.Files()) == 0 {
					t.Error("nothing landed on the emulator")
				}
				return
			}
			if rc != 7 || !strings.Contains(stderr, "lacks the sharing.write permission") || !strings.Contains(stderr, "--share") {
				t.Fatalf("run without the sharing scopes: exit %d\n%s%s", rc, stdout, stderr)
			}
			// push --share finds it before sending too.
			t.Chdir(study)
			rc, stdout, stderr = authCLI(vars, "", "push", "--share", "--encrypted-key", "keys/dropbox.enc", "exp00000", "/elsewhere")
			if rc != 7 || !strings.Contains(stderr, "lacks the sharing.write permission that push needs") {
				t.Fatalf("push --share without the sharing scopes: exit %d\n%s%s", rc, stdout, stderr)
			}
			if n := len(srv.Files()); n != 0 {
				t.Errorf("%d file(s) were sent before the missing scope was found", n)
			}
		})
	}
}

func slicesDelete(args []string, drop string) []string {
	var out []string
	for _, a := range args {
		if a != drop {
			out = append(out, a)
		}
	}
	return out
}

// startAuthEnv runs 'dropbox-post ARGS…' (an auth command) in-process with
// vars as its environment, talking through pipes.
func startAuthEnv(t *testing.T, vars map[string]string, args []string) *session {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{t: t, stdin: inW, stdout: bufio.NewReader(outR), rest: make(chan string, 1), code: make(chan int, 1)}
	env := authEnv(inR, outW, &s.stderr, vars)
	go func() {
		s.code <- run(context.Background(), env, args)
		outW.Close()
	}()
	t.Cleanup(func() { inW.Close() })
	return s
}
