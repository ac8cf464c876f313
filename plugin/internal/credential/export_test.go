package credential

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func mustEnvLines(t *testing.T, c Credential, scope bool) []byte {
	t.Helper()
	lines, err := c.envLines(scope)
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestEnvLines(t *testing.T) {
	if got := string(mustEnvLines(t, mustAccess(t), false)); got != "DROPBOX_ACCESS_TOKEN='"+tok+"'\n" {
		t.Errorf("access EnvLines = %q", got)
	}
	want := "DROPBOX_APP_KEY='" + appKey + "'\nDROPBOX_APP_SECRET='" + secret + "'\nDROPBOX_REFRESH_TOKEN='" + refresh + "'\n"
	if got := string(mustEnvLines(t, mustRefresh(t, secret), false)); got != want {
		t.Errorf("refresh EnvLines = %q", got)
	}
	if got := string(mustEnvLines(t, mustRefresh(t, ""), false)); strings.Contains(got, EnvAppSecret) {
		t.Errorf("PKCE EnvLines has an app secret line: %q", got)
	}
}

// decrypt's lines keep the scopes, and Parse reads them back: a credential
// decrypted and encrypted again can still tell whether it can write.
func TestEnvLinesWithScopeRoundTrip(t *testing.T) {
	c := mustRefresh(t, secret).WithScopes([]string{"files.content.write", "account_info.read"})
	lines := string(mustEnvLines(t, c, true))
	if !strings.HasSuffix(lines, "\nDROPBOX_SCOPE='files.content.write account_info.read'\n") {
		t.Fatalf("EnvLinesWithScope = %q", lines)
	}
	if strings.Contains(string(mustEnvLines(t, c, false)), EnvScope) {
		t.Error("EnvLines (secrets export) has the scope line")
	}
	back, err := Parse([]byte(lines))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(back.Scopes(), " "); got != "files.content.write account_info.read" {
		t.Errorf("scopes read back: %q", got)
	}
	if w, known := back.CanWrite(); !w || !known {
		t.Errorf("CanWrite = %v, %v", w, known)
	}
	if back.RefreshToken() != refresh || back.AppSecret() != secret {
		t.Error("secrets not read back")
	}
	if got := string(mustEnvLines(t, mustRefresh(t, secret), true)); strings.Contains(got, EnvScope) {
		t.Errorf("no scopes recorded, yet a scope line: %q", got)
	}
}

// quotable are values envQuote must write so that a shell and python-dotenv
// read them back exactly and run nothing: command substitutions, quotes,
// backslashes, spaces, globs, comments, tildes, variables. Each command
// would create the file "pwned" in the folder the reader runs in.
var quotable = []string{
	"$(touch pwned)",
	"`touch pwned`",
	"$(>pwned)",
	"x;touch pwned",
	"x|touch pwned&",
	"x>pwned<",
	"it's",
	`say "hi"`,
	`back\slash`,
	`two\\backslashes\\\x`,
	`\\\"`,
	`\'`,
	`\"`,
	`\n\t\x41`,
	`'"'"`,
	"  spaces  around  ",
	"#not a comment",
	"x #not a comment",
	"~/home",
	"*",
	"$HOME",
	"$",
	"{}",
	"a=b",
	"ünïcödé €",
	"\uFFFD",
	"",
}

// unquotable are values no line reads back exactly in all three readers.
var unquotable = map[string]string{
	"${HOME}":                   `holds "${", which python-dotenv replaces`,
	"$(touch${IFS}pwned)":       `holds "${"`,
	"it's $HOME":                "holds both a quote or backslash and a $ or backtick",
	"`touch pwned`\\x":          "holds both a quote or backslash and a $ or backtick",
	`ends in a backslash\`:      "ends in a backslash, which python-dotenv takes for an escape of the closing quote",
	`two\\`:                     "ends in a backslash",
	"line\nbreak":               "holds a control character such as a newline or a tab (at byte 5)",
	"tab\there":                 "holds a control character",
	"cr\r":                      "holds a control character",
	"nul\x00":                   "holds a control character",
	"del\x7f":                   "holds a control character",
	"nel\u0085":                 "holds a control character",
	"esc\x1b[2J":                "holds a control character",
	"latin-1 \xe9":              "is not valid UTF-8 (at byte 9)",
	"$(touch pwned)\n$(reboot)": "holds a control character",
}

func TestEnvQuoteRefuses(t *testing.T) {
	for v, want := range unquotable {
		q, err := envQuote(v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("envQuote(%q) = %q, %v; want an error with %q", v, q, err, want)
			continue
		}
		if len(v) > 4 && strings.Contains(err.Error(), v) {
			t.Errorf("the error holds the value: %v", err)
		}
	}
}

// envFile writes NAME_i=envQuote(values[i]) lines into a new folder and
// returns the folder.
func envFile(t *testing.T, values []string) string {
	t.Helper()
	var b strings.Builder
	for i, v := range values {
		q, err := envQuote(v)
		if err != nil {
			t.Fatalf("envQuote(%q): %v", v, err)
		}
		fmt.Fprintf(&b, "V%d=%s\n", i, q)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "values.env"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkReadBack compares the NUL-separated values a reader printed with
// values, and checks that nothing ran.
func checkReadBack(t *testing.T, reader, dir string, out []byte, values []string) {
	t.Helper()
	got := strings.Split(string(out), "\x00")
	if len(got) != len(values) {
		t.Fatalf("%s read %d values, want %d: %q", reader, len(got), len(values), out)
	}
	for i, v := range values {
		if got[i] != v {
			t.Errorf("%s read %q back as %q", reader, v, got[i])
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "pwned")); err == nil {
		t.Errorf("sourcing the lines with %s ran a command", reader)
	}
}

// Sourced by sh and by bash, each value comes back exactly and no command
// runs.
func TestEnvQuoteSourcedByShells(t *testing.T) {
	dir := envFile(t, quotable)
	var refs []string
	for i := range quotable {
		refs = append(refs, fmt.Sprintf(`"$V%d"`, i))
	}
	script := `. ./values.env && printf '%s\0' ` + strings.Join(refs, " ")
	for _, shell := range []string{"sh", "bash"} {
		cmd := exec.Command(shell, "-c", script)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		checkReadBack(t, shell, dir, bytes.TrimSuffix(out, []byte{0}), quotable)
	}
}

// python-dotenv (as a Streamlit or Flask app loads .env) reads each value
// back exactly, expanding nothing.
func TestEnvQuoteReadByPythonDotenv(t *testing.T) {
	python := pythonDotenv(t)
	dir := envFile(t, quotable)
	cmd := exec.Command(python, "-c", fmt.Sprintf(`import sys, dotenv
v = dotenv.dotenv_values("values.env")
sys.stdout.buffer.write("\0".join(v["V%%d" %% i] for i in range(%d)).encode())`, len(quotable)))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME=/home/should-not-appear")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", python, err, &stderr)
	}
	checkReadBack(t, "python-dotenv", dir, out, quotable)
}

// pythonDotenv returns a Python that imports python-dotenv: Debian's
// python3-dotenv for /usr/bin/python3 (.ci/run installs it), or python3.
// Without one the test fails saying how to install it; it never skips.
func pythonDotenv(t *testing.T) string {
	var tried []string
	for _, c := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(c)
		if err == nil && exec.Command(path, "-c", "import dotenv").Run() == nil {
			return path
		}
		tried = append(tried, c)
	}
	t.Fatalf("no Python that imports python-dotenv (tried %q): install it with sudo apt-get install -y python3-dotenv", tried)
	return ""
}

// A hostile refresh token is written so that sourcing the .env gives it
// back and runs nothing, and the Streamlit form holds it as a TOML string.
func TestExportHostileToken(t *testing.T) {
	c, err := NewRefresh(appKey, secret, "$(>pwned);touch&pwned|x")
	if err != nil {
		t.Fatal(err)
	}
	lines := mustEnvLines(t, c, false)
	if want := "DROPBOX_REFRESH_TOKEN='$(>pwned);touch&pwned|x'\n"; !strings.HasSuffix(string(lines), want) {
		t.Errorf("EnvLines = %q, want it to end with %q", lines, want)
	}
	if back, err := Parse(lines); err != nil || back != c {
		t.Errorf("Parse(EnvLines()) = %v, %v", back, err)
	}
	toml, err := c.StreamlitSecrets()
	if err != nil {
		t.Fatal(err)
	}
	if want := "[dropbox]\napp_key = \"" + appKey + "\"\napp_secret = \"" + secret + "\"\nrefresh_token = \"$(>pwned);touch&pwned|x\"\n"; string(toml) != want {
		t.Errorf("StreamlitSecrets = %q, want %q", toml, want)
	}
	c, err = NewRefresh(appKey, "", "x${HOME}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnvLines(); err == nil || !strings.HasPrefix(err.Error(), `the refresh token holds "${"`) {
		t.Errorf("a refresh token with ${: err = %v", err)
	}
}

// TOML basic strings: a quote and a backslash are escaped (the credential
// package refuses both in a token, so this is only reached directly);
// control characters are refused as for .env.
func TestStreamlitSecretsQuoting(t *testing.T) {
	c := Credential{accessToken: `a"b\c $(x)`}
	got, err := c.StreamlitSecrets()
	if err != nil || string(got) != "[dropbox]\naccess_token = \"a\\\"b\\\\c $(x)\"\n" {
		t.Errorf("StreamlitSecrets = %q, %v", got, err)
	}
	c = Credential{appKey: appKey, refreshToken: "a\nb"}
	if got, err := c.StreamlitSecrets(); err == nil || got != nil || !strings.HasPrefix(err.Error(), "the refresh token holds a control character") {
		t.Errorf("a newline in a token: %q, %v", got, err)
	}
}
