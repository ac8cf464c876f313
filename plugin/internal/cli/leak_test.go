package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
)

// TestNoSecretLeaks runs every command of the tool, in-process, with a
// known password, access token, refresh token and app secret, on its
// success paths and its error paths, with --verbose and with
// --log-format json; then it checks that no secret (as is, JSON- or
// XML-escaped, URL-escaped or in base64) is in any stdout or stderr, nor in
// any file the commands wrote (key files, manifests, pulled folders). Only
// the stdout of decrypt and secrets export, which exist to print a
// credential, may show one, and must.
func TestNoSecretLeaks(t *testing.T) {
	l := newLeakLab(t)
	t.Chdir(l.dir) // default manifests and relative paths land in the lab
	legacy, err := legacyKeyFile([]byte(leakAccessToken+"\n"), leakPassword)
	if err != nil {
		t.Fatal(err)
	}
	xmlPassword := strings.ReplaceAll(leakPassword, `"`, "&quot;")
	l.write(map[string]string{
		"token.txt":   leakAccessToken + "\n",
		"refresh.env": "DROPBOX_APP_KEY=" + leakAppKey + "\nDROPBOX_APP_SECRET=" + leakAppSecret + "\nDROPBOX_REFRESH_TOKEN=" + l.refresh + "\n",
		"refresh.json": `{"app_key": "` + leakAppKey + `", "app_secret": "` + leakAppSecret +
			`", "refresh_token": "` + l.refresh + `"}`,
		"pw.txt":                   leakPassword + "\n",
		"study/keys/legacy.enc":    string(legacy),
		"keys/upgrade.enc":         string(legacy),
		"keys/upgrade-wrong.enc":   string(legacy),
		"data/a.csv":               "a,1\n",
		"data/sub/b.csv":           "b,2\n",
		"data2/a.csv":              "changed\n",
		"study/conf/config.xml":    leakConfig(leakElement("file", "keys/legacy.enc", "post/summary.csv", "/leak/study", "") + leakElement("folder", "keys/refresh.key", "exp00000", "/leak/study/exp", "")),
		"study/post/summary.csv":   "Experiment,NormalizedDCG\n",
		"study/exp00000/out-1.txt": "1,10,4.5\n",
		"inline/conf/config.xml":   leakConfig(leakElement("file", "keys/legacy.enc", "post/summary.csv", "/leak/inline", xmlPassword)),
		"inline/keys/legacy.enc":   string(legacy),
		"inline/post/summary.csv":  "inline\n",
		"badcfg/conf/config.xml":   leakConfig(leakElement("bogus", "keys/legacy.enc", "post/summary.csv", "/leak/bad", xmlPassword)),
		"badcfg/keys/legacy.enc":   string(legacy),
		"badcfg/post/summary.csv":  "bad\n",
	})
	l.snapshot()

	pw, wrong := leakPassword, leakWrongPass
	access := map[string]string{envAccessToken: leakAccessToken}
	refresh := map[string]string{envAppKey: leakAppKey, envAppSecret: leakAppSecret, envRefreshToken: l.refresh}
	both := map[string]string{envAccessToken: leakAccessToken, envAppKey: leakAppKey, envAppSecret: leakAppSecret, envRefreshToken: l.refresh}
	revoked := map[string]string{envAppKey: leakAppKey, envAppSecret: leakAppSecret, envRefreshToken: l.revoked}
	wrongSecret := map[string]string{envAppKey: leakAppKey, envAppSecret: leakWrongSecret, envRefreshToken: l.refresh}
	fromEnv := map[string]string{"DROPBOX_POST_PASSWORD": pw}
	const A, R = "keys/access.key", "study/keys/refresh.key"
	const L = "study/keys/legacy.enc"
	call := func(extra ...string) []string {
		return append([]string{"config.xml", "study", "--option=file", "--encrypted_key=keys/legacy.enc",
			"--path=post/summary.csv", "--dest=/leak/call"}, extra...)
	}

	for _, c := range []leakCase{
		// Key files.
		{name: "encrypt an access token", args: []string{"encrypt", "--encrypted", A, "--key", "token.txt", "-k", pw, "--force"}},
		{name: "encrypt a refresh credential", args: []string{"encrypt", "--encrypted", R, "--key", "refresh.env", "--password-file", "pw.txt", "--force"}},
		{name: "encrypt JSON, password from the environment", args: []string{"encrypt", "--encrypted", "keys/refresh-json.key", "--key", "refresh.json", "--force"}, env: fromEnv},
		{name: "encrypt without a password", args: []string{"encrypt", "--encrypted", "keys/never.key", "--key", "token.txt"}, code: 6},
		{name: "decrypt an access token", args: []string{"decrypt", "--encrypted", A, "-k", pw}, shows: []string{leakAccessToken}},
		{name: "decrypt a refresh credential", args: []string{"decrypt", "--encrypted", R, "--password", pw}, shows: []string{leakAppSecret, l.refresh}},
		{name: "decrypt a librec-auto file", args: []string{"decrypt", "--encrypted", L}, env: fromEnv, shows: []string{leakAccessToken}},
		{name: "decrypt, wrong password", args: []string{"decrypt", "--encrypted", A, "-k", wrong}, code: 4},
		{name: "decrypt a plain token file", args: []string{"decrypt", "--encrypted", "token.txt", "-k", pw}, code: 5},
		{name: "key info", args: []string{"key", "info", A}},
		{name: "key info json", args: []string{"key", "info", "--output", "json", L}},
		{name: "key upgrade", args: []string{"key", "upgrade", "keys/upgrade.enc", "-k", pw}},
		{name: "key upgrade, wrong password", args: []string{"key", "upgrade", "keys/upgrade-wrong.enc", "-k", wrong}, code: 4},
		{name: "secrets export env", args: []string{"secrets", "export", "--encrypted_key", R, "-k", pw}, shows: []string{leakAppSecret, l.refresh}},
		{name: "secrets export streamlit", args: []string{"secrets", "export", "--encrypted_key", R, "-k", pw, "--format", "streamlit"}, shows: []string{leakAppSecret, l.refresh}},
		{name: "secrets export an access token", args: []string{"secrets", "export", "--encrypted_key", A, "--password-file", "pw.txt"}, shows: []string{leakAccessToken}},
		{name: "secrets export, wrong password", args: []string{"secrets", "export", "--encrypted_key", R, "-k", wrong}, code: 4},

		// Posting.
		{name: "push with a key file", args: []string{"push", "--encrypted_key", A, "-k", pw, "--manifest-dir", "manifests", "data", "/leak/a"}},
		{name: "push with a refresh credential", args: []string{"push", "--output", "json", "data", "/leak/r"}, env: refresh},
		{name: "push --dry-run", args: []string{"push", "--dry-run", "data2", "/leak/a"}, env: access},
		{name: "push, wrong password", args: []string{"push", "--encrypted_key", A, "-k", wrong, "data", "/leak/a"}, code: 4},
		{name: "run", args: []string{"run", "-t", "study", "-k", pw}},
		{name: "run json", args: []string{"run", "-t", "study", "-k", pw, "--output", "json"}},
		{name: "run --dry-run", args: []string{"run", "-t", "study", "--dry-run", "-k", pw}},
		{name: "run --dry-run without a password", args: []string{"run", "-t", "study", "--dry-run", "--output", "json"}},
		{name: "run, wrong password", args: []string{"run", "-t", "study", "-k", wrong}, code: 4},
		{name: "run, password in the config", args: []string{"run", "-t", "inline"}},
		{name: "run, bad config with a password in it", args: []string{"run", "-t", "badcfg"}, code: 3},
		{name: "librec-auto call", args: call("--password=" + pw)},
		{name: "librec-auto call, bad option", args: append(call("--password="+pw), "--option=bogus"), code: 3},
		{name: "librec-auto call --dry-run", args: call("--password="+pw, "--dry-run")},
		{name: "librec-auto call, wrong password", args: call("--password=" + wrong), code: 4},

		// The other direction, checks, local tools.
		{name: "pull with a refresh key file", args: []string{"pull", "--encrypted_key", R, "-k", pw, "/leak/a", "pulled/r"}},
		{name: "pull json", args: []string{"pull", "--output", "json", "/leak/r", "pulled/a"}, env: access},
		{name: "verify", args: []string{"verify", "--encrypted_key", L, "-k", pw, "data", "/leak/a"}},
		{name: "verify, differing", args: []string{"verify", "--output", "json", "data2", "/leak/a"}, env: refresh, code: 9},
		{name: "whoami", args: []string{"whoami", "--encrypted_key", R, "-k", pw, "--dest", "/leak"}},
		{name: "whoami json", args: []string{"whoami", "--output", "json"}, env: access},
		{name: "hash", args: []string{"hash", "data/a.csv"}, env: both},
		{name: "emulator, bad fail rate", args: []string{"emulator", "--token", leakAccessToken, "--app-key", leakAppKey, "--app-secret", leakAppSecret, "--fail-rate", "2"}, code: 2},
		{name: "emulator, secret without key", args: []string{"emulator", "--app-secret", leakAppSecret}, code: 2},
		{name: "emulator, bad address", args: []string{"emulator", "--listen", "127.0.0.1:99999", "--token", leakAccessToken}, code: 10},

		// Credentials Dropbox refuses, and a refused API URL.
		{name: "push, revoked refresh token", args: []string{"push", "data", "/leak/x"}, env: revoked, code: 7},
		{name: "whoami, revoked refresh token", args: []string{"whoami"}, env: revoked, code: 7},
		{name: "pull, revoked refresh token", args: []string{"pull", "/leak/a", "pulled/x"}, env: revoked, code: 7},
		{name: "push, wrong app secret", args: []string{"push", "data", "/leak/x"}, env: wrongSecret, code: 7},
		{name: "push, unknown access token", args: []string{"push", "data", "/leak/x"}, env: map[string]string{envAccessToken: leakBadToken}, code: 7},
		{name: "whoami, plain http elsewhere", args: []string{"whoami", "--api-url", "http://dropbox.invalid:8080"}, env: access, code: 2},
	} {
		l.run(c)
	}

	// auth, through the emulator's authorize page: it writes a key file;
	// a wrong code and a wrong app secret are refused.
	authArgs := []string{"--app-key", leakAppKey, "--app-secret", leakAppSecret, "--encrypted", "keys/auth.key", "-k", pw, "--force", "--share"}
	l.auth("auth", authArgs, "", 0)
	got, _, err := keyfile.Load(filepath.Join(l.dir, "keys", "auth.key"), pw)
	if err != nil || got.RefreshToken() == "" || got.AppSecret() != leakAppSecret {
		t.Fatalf("the key file auth wrote: %v, %v", got.Kind(), err)
	}
	l.run(leakCase{name: "decrypt what auth wrote", args: []string{"decrypt", "--encrypted", "keys/auth.key", "-k", pw}, shows: []string{leakAppSecret, got.RefreshToken()}})
	l.auth("auth, wrong code", authArgs, "not-the-code", 7)
	l.auth("auth, wrong app secret", []string{"--app-key", leakAppKey, "--app-secret", leakWrongSecret, "--encrypted", "keys/auth-wrong.key", "-k", pw}, "", 7)

	// Last, every access token expires.
	l.srv.ExpireTokens()
	l.run(leakCase{name: "push, expired token", args: []string{"push", "data", "/leak/a"}, env: access, code: 7})
	l.run(leakCase{name: "run, expired token", args: []string{"run", "-t", "study", "-k", pw}, code: 7})

	// The detector finds a secret in each of its forms.
	for _, f := range forms(leakPassword) {
		if names := l.found([]byte("…"+f+"…"), nil); !slices.Contains(names, "password") {
			t.Fatalf("the password as %q is not found", f)
		}
	}
	l.check()
	written := l.sweep()
	// The sweep must have read what matters, or it proves nothing.
	for _, want := range []string{
		A, R, "keys/refresh-json.key", "keys/upgrade.enc", "keys/auth.key",
		"manifests/", "home/.local/share/dropbox-post/manifests/", "study/.dropbox-post/manifests/", "inline/.dropbox-post/manifests/",
		"pulled/r/sub/b.csv", "pulled/a/sub/b.csv",
	} {
		if !slices.ContainsFunc(written, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("no file %s* was written; written: %v", want, written)
		}
	}
	for _, p := range []string{"keys/never.key", "keys/auth-wrong.key", "pulled/x"} {
		if _, err := os.Stat(filepath.Join(l.dir, p)); err == nil {
			t.Errorf("%s was written by a command that failed", p)
		}
	}
	if upgraded, _ := os.ReadFile(filepath.Join(l.dir, "keys/upgrade-wrong.enc")); string(upgraded) != string(legacy) {
		t.Error("key upgrade with a wrong password changed the file")
	}
}

// leakConfig is a study config whose <post> holds elements.
func leakConfig(elements string) string {
	return "<librec-auto>\n<post>\n" + elements + "</post>\n</librec-auto>\n"
}

// leakElement is one Dropbox element; password (XML-escaped) is written in
// it when not empty.
func leakElement(option, key, path, dest, password string) string {
	return `<script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
<param name="option">` + option + `</param><param name="encrypted_key">` + key + `</param>
<param name="path">` + path + `</param><param name="dest">` + dest + `</param>
<param name="password">` + password + "</param></script>\n"
}
