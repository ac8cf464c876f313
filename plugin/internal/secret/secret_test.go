package secret

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// lines returns a ReadPassword that answers with each line in turn.
func lines(t *testing.T, answers ...string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if len(answers) == 0 {
			t.Error("asked more often than expected")
			return nil, errors.New("no more answers")
		}
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
}

func noPrompt(t *testing.T) func() ([]byte, error) {
	return func() ([]byte, error) {
		t.Error("ReadPassword called")
		return nil, errors.New("must not be called")
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// resolve is Resolve with the password revealed, for comparisons.
func resolve(ctx context.Context, r Request) (string, Source, error) {
	pw, src, err := Resolve(ctx, r)
	return pw.Reveal(), src, err
}

func ptr(s string) *string { return &s }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOrder(t *testing.T) {
	file := writeFile(t, "from-file\n")
	all := Request{
		KeyPassword:  Give("from-k"),
		Password:     Give("from-password"),
		PasswordFile: ptr(file),
		Getenv:       env(map[string]string{EnvVar: "from-env"}),
		Terminal:     &Terminal{ReadPassword: noPrompt(t)},
	}
	steps := []struct {
		drop func(*Request)
		want string
		src  Source
	}{
		{func(*Request) {}, "from-k", FromKeyPassword},
		{func(r *Request) { r.KeyPassword = Given{} }, "from-password", FromPassword},
		{func(r *Request) { r.Password = Given{} }, "from-file", FromFile},
		{func(r *Request) { r.PasswordFile = nil }, "from-env", FromEnv},
	}
	r := all
	for _, s := range steps {
		s.drop(&r)
		pw, src, err := resolve(context.Background(), r)
		if err != nil || pw != s.want || src != s.src {
			t.Errorf("Resolve = %q, %v, %v; want %q from %v", pw, src, err, s.want, s.src)
		}
	}
	r.Getenv = env(nil)
	r.Terminal.ReadPassword = lines(t, "typed")
	pw, src, err := resolve(context.Background(), r)
	if err != nil || pw != "typed" || src != FromPrompt {
		t.Errorf("Resolve = %q, %v, %v; want the prompt", pw, src, err)
	}
}

func TestEmptyGivenIsAPassword(t *testing.T) {
	for _, r := range []Request{
		{KeyPassword: Give("")},
		{Password: Give("")},
		{PasswordFile: ptr(writeFile(t, ""))},
		{PasswordFile: ptr(writeFile(t, "\n"))},
		{PasswordFile: ptr(writeFile(t, "\r\n"))},
	} {
		r.Getenv = env(map[string]string{EnvVar: "later"})
		pw, src, err := resolve(context.Background(), r)
		if err != nil || pw != "" || src == FromEnv {
			t.Errorf("Resolve = %q, %v, %v; want the empty password", pw, src, err)
		}
	}
}

func TestPasswordFileTrim(t *testing.T) {
	for content, want := range map[string]string{
		"pw":           "pw",
		"pw\n":         "pw",
		"pw\r\n":       "pw",
		"pw\n\n":       "pw\n",
		" pw \n":       " pw ",
		"pässwörd\n":   "pässwörd",
		"pw\r":         "pw\r",
		"two\nlines\n": "two\nlines",
	} {
		pw, _, err := resolve(context.Background(), Request{PasswordFile: ptr(writeFile(t, content))})
		if err != nil || pw != want {
			t.Errorf("file %q: Resolve = %q, %v; want %q", content, pw, err, want)
		}
	}
}

func TestPasswordFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, _, err := resolve(context.Background(), Request{PasswordFile: ptr(missing)})
	if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "cannot read password file "+missing+": no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
	_, _, err = resolve(context.Background(), Request{PasswordFile: ptr(t.TempDir())})
	if exit.CodeOf(err) != exit.Local {
		t.Errorf("directory: %v", err)
	}
	_, _, err = resolve(context.Background(), Request{PasswordFile: ptr("")})
	if exit.CodeOf(err) != exit.Usage {
		t.Errorf("empty path: %v", err)
	}
	big := writeFile(t, strings.Repeat("x", maxFileSize+1))
	_, _, err = resolve(context.Background(), Request{PasswordFile: ptr(big)})
	if exit.CodeOf(err) != exit.Local || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

// TestNoTerminalNeverBlocks: without a terminal, Resolve returns at once.
// (A reader of the terminal comes only with a Terminal: no reader can be
// called without one.)
func TestNoTerminalNeverBlocks(t *testing.T) {
	r := Request{Getenv: env(map[string]string{EnvVar: ""})}
	_, _, err := resolve(context.Background(), r)
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.NoPassword {
		t.Fatalf("err = %v, want NoPassword", err)
	}
	for _, opt := range []string{"-k", "--password-file", EnvVar} {
		if !strings.Contains(err.Error(), opt) {
			t.Errorf("%q does not name %s", err, opt)
		}
	}
	// A terminal without a reader is no terminal either.
	if _, _, err := resolve(context.Background(), Request{Terminal: &Terminal{}}); exit.CodeOf(err) != exit.NoPassword {
		t.Errorf("no ReadPassword: %v", err)
	}
}

func TestPrompt(t *testing.T) {
	var out strings.Builder
	pw, src, err := resolve(context.Background(), Request{
		Terminal: &Terminal{ReadPassword: lines(t, "hunter2"), Prompt: &out}, For: `key file "k.key"`,
	})
	if err != nil || pw != "hunter2" || src != FromPrompt {
		t.Fatalf("Resolve = %q, %v, %v", pw, src, err)
	}
	if got := out.String(); got != "Password for key file \"k.key\": \n" {
		t.Errorf("prompt %q", got)
	}
	// An empty line is the empty password when opening a file.
	pw, _, err = resolve(context.Background(), Request{Terminal: &Terminal{ReadPassword: lines(t, "")}})
	if err != nil || pw != "" {
		t.Errorf("empty typed: %q, %v", pw, err)
	}
}

func TestConfirm(t *testing.T) {
	var out strings.Builder
	r := Request{Terminal: &Terminal{Prompt: &out, ReadPassword: lines(t, "pw one", "pw one")}, Confirm: true}
	if pw, _, err := resolve(context.Background(), r); err != nil || pw != "pw one" {
		t.Errorf("Resolve = %q, %v", pw, err)
	}
	if strings.Count(out.String(), "\n") != 2 || !strings.Contains(out.String(), "again") {
		t.Errorf("prompts %q", out.String())
	}
	r.Terminal.ReadPassword = lines(t, "pw one", "pw two")
	_, _, err := resolve(context.Background(), r)
	if exit.CodeOf(err) != exit.Usage || !strings.Contains(err.Error(), "differ") {
		t.Errorf("mismatch: %v", err)
	}
	if strings.Contains(err.Error(), "pw one") || strings.Contains(err.Error(), "pw two") {
		t.Errorf("error reveals a password: %v", err)
	}
	r.Terminal.ReadPassword = lines(t, "")
	if _, _, err := resolve(context.Background(), r); exit.CodeOf(err) != exit.Usage || !strings.Contains(err.Error(), "-k ''") {
		t.Errorf("empty: %v", err)
	}
}

func TestPromptFails(t *testing.T) {
	r := Request{Terminal: &Terminal{ReadPassword: func() ([]byte, error) { return nil, errors.New("EOF") }}}
	if _, _, err := resolve(context.Background(), r); exit.CodeOf(err) != exit.NoPassword {
		t.Errorf("err = %v, want NoPassword", err)
	}
}

func TestPromptCancelled(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	r := Request{Terminal: &Terminal{ReadPassword: func() ([]byte, error) { <-block; return nil, nil }}}
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, _, err := resolve(ctx, r); !errors.Is(err, context.Canceled) || exit.CodeOf(err) != exit.Interrupted {
		t.Errorf("err = %v, want context.Canceled with code Interrupted", err)
	}
}

func TestSourceString(t *testing.T) {
	want := []string{"nowhere", "-k/--key_password", "--password", "--password-file", EnvVar, "the terminal"}
	for i, w := range want {
		if got := Source(i).String(); got != w {
			t.Errorf("Source(%d) = %q, want %q", i, got, w)
		}
	}
}

// TestPasswordFileStdin: --password-file - reads stdin to its end, less one
// newline; without a stdin it is refused as a usage error.
func TestPasswordFileStdin(t *testing.T) {
	r := Request{PasswordFile: ptr("-"), Stdin: strings.NewReader("pw from a pipe\r\n")}
	if pw, src, err := resolve(context.Background(), r); err != nil || pw != "pw from a pipe" || src != FromFile {
		t.Errorf("got %q, %v, %v", pw, src, err)
	}
	r.Stdin = nil
	if _, _, err := resolve(context.Background(), r); exit.CodeOf(err) != exit.Usage {
		t.Errorf("no stdin: %v", err)
	}
}

// TestConfigPassword: a password written in the config counts after the
// environment's and before a prompt, and only when used is it warned about,
// naming where it is and never its value.
func TestConfigPassword(t *testing.T) {
	var warned []string
	r := Request{
		Getenv:   env(map[string]string{EnvVar: "from-env"}),
		Config:   Give("from-config"),
		ConfigAt: `"conf/config.xml", element 1 (line 3)`,
		Warn:     func(s string) { warned = append(warned, s) },
		Terminal: &Terminal{ReadPassword: noPrompt(t)},
	}
	pw, src, err := resolve(context.Background(), r)
	if err != nil || pw != "from-env" || src != FromEnv || len(warned) != 0 {
		t.Errorf("with the environment's: Resolve = %q, %v, %v, warnings %q; want from-env, no warning", pw, src, err, warned)
	}
	r.Getenv = env(nil)
	pw, src, err = resolve(context.Background(), r)
	if err != nil || pw != "from-config" || src != FromConfig || src.String() != "the config" {
		t.Errorf("Resolve = %q, %v, %v; want from-config from the config", pw, src, err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], `"conf/config.xml", element 1 (line 3)`) || !strings.Contains(warned[0], "anyone who can read the config") || strings.Contains(warned[0], "from-config") {
		t.Errorf("warnings %q: want one naming the place and the risk, not the password", warned)
	}
	r.KeyPassword = Give("from-k")
	if pw, src, _ := resolve(context.Background(), r); pw != "from-k" || src != FromKeyPassword || len(warned) != 1 {
		t.Errorf("-k: Resolve = %q, %v (warnings %d); want from-k, no new warning", pw, src, len(warned))
	}
	// A password from elsewhere that is the config's is warned about too:
	// anyone with the config can read it, wherever it was given.
	for _, given := range []Request{
		{KeyPassword: Give("from-config")},
		{Password: Give("from-config")},
		{Getenv: env(map[string]string{EnvVar: "from-config"})},
	} {
		warned = nil
		given.Config, given.ConfigAt, given.Warn = r.Config, r.ConfigAt, r.Warn
		pw, src, err := resolve(context.Background(), given)
		if err != nil || pw != "from-config" || src == FromConfig {
			t.Errorf("Resolve = %q, %v, %v; want from-config, not from the config", pw, src, err)
		}
		if len(warned) != 1 || !strings.Contains(warned[0], "the password from "+src.String()+" is the one written in the config ("+`"conf/config.xml", element 1 (line 3)`) ||
			strings.Contains(warned[0], "from-config") {
			t.Errorf("%v: warnings %q: want one naming the source, the place and the risk, not the password", src, warned)
		}
	}
}

// TestOpen: a wrong password typed at the terminal is asked for again, up
// to Tries times in all, saying so; one from anywhere else is tried once.
func TestOpen(t *testing.T) {
	wrong := exit.New(exit.WrongPassword, "wrong password", "")
	var out strings.Builder
	var tried []string
	try := func(pw Password) error {
		tried = append(tried, pw.Reveal())
		if pw.Reveal() != "right" {
			return wrong
		}
		return nil
	}
	r := Request{Terminal: &Terminal{ReadPassword: lines(t, "nope", "still-nope", "right"), Prompt: &out}}
	if err := Open(context.Background(), r, try); err != nil || len(tried) != 3 {
		t.Errorf("Open = %v after %q; want the third typed password to work", err, tried)
	}
	if !strings.Contains(out.String(), "Wrong password (try 2 of 3).") {
		t.Errorf("the terminal got %q", out.String())
	}
	tried = nil
	r.Terminal.ReadPassword = lines(t, "a", "b", "c")
	if err := Open(context.Background(), r, try); err != wrong || len(tried) != Tries {
		t.Errorf("Open = %v after %d tries; want the wrong password after %d", err, len(tried), Tries)
	}
	tried = nil
	r.KeyPassword = Give("from-k")
	if err := Open(context.Background(), r, try); err != wrong || len(tried) != 1 {
		t.Errorf("-k: Open = %v after %d tries; want one", err, len(tried))
	}
}
