package configschema

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPathsStayInStudy checks that path and encrypted_key cannot lead out of
// the study, lexically or through a symbolic link, unless the caller allows it.
func TestPathsStayInStudy(t *testing.T) {
	root := t.TempDir()
	study := filepath.Join(root, "study")
	home := filepath.Join(root, "home")
	for _, d := range []string{filepath.Join(study, "post"), filepath.Join(study, "keys"), filepath.Join(home, ".ssh")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, ".ssh", "id_ed25519"), "secret")
	write(filepath.Join(home, "notes.txt"), "notes")
	write(filepath.Join(study, "post", "summary.csv"), "x")
	write(filepath.Join(study, "keys", "dropbox.enc"), "k")
	symlink := func(target, link string) {
		if err := os.Symlink(target, link); err != nil {
			t.Fatalf("cannot make a symbolic link: %v", err)
		}
	}
	symlink(home, filepath.Join(study, "post", "home"))                              // a folder link out
	symlink(filepath.Join(home, "notes.txt"), filepath.Join(study, "post", "n.txt")) // a file link out
	symlink("summary.csv", filepath.Join(study, "post", "latest.csv"))               // a link that stays in
	symlink("nowhere.csv", filepath.Join(study, "post", "dangling.csv"))
	symlink(filepath.Join(home, ".ssh", "id_ed25519"), filepath.Join(study, "keys", "stolen.enc"))

	cases := []struct {
		option, path, key string
		problem           string // "" when the element is accepted
		allowed           bool   // accepted with AllowOutsideStudy
	}{
		{"file", "post/summary.csv", "keys/dropbox.enc", "", true},
		{"file", "post/latest.csv", "keys/dropbox.enc", "", true},
		{"file", filepath.Join(study, "post", "summary.csv"), "keys/dropbox.enc", "", true},
		{"folder", ".", "keys/dropbox.enc", "", true},
		{"folder", "..", "keys/dropbox.enc", `path ".." is ` + strconv.Quote(root) + ", outside the study directory " + strconv.Quote(study), true},
		{"folder", "../home", "keys/dropbox.enc", "outside the study directory", true},
		{"folder", "post/../../home", "keys/dropbox.enc", "outside the study directory", true},
		{"folder", home, "keys/dropbox.enc", "outside the study directory", true},
		{"folder", "post/home", "keys/dropbox.enc", `path "post/home" leads, through a symbolic link, to ` + strconv.Quote(home) + ", outside the study directory", true},
		{"file", "post/home/.ssh/id_ed25519", "keys/dropbox.enc", "through a symbolic link", true},
		{"file", "post/n.txt", "keys/dropbox.enc", "through a symbolic link", true},
		{"file", "post/dangling.csv", "keys/dropbox.enc", "is a symbolic link to something that does not exist", false},
		{"file", "post/summary.csv", "../home/.ssh/id_ed25519", `encrypted_key "../home/.ssh/id_ed25519" is ` + strconv.Quote(filepath.Join(home, ".ssh", "id_ed25519")) + ", outside", true},
		{"file", "post/summary.csv", "keys/stolen.enc", "encrypted_key \"keys/stolen.enc\" leads, through a symbolic link", true},
	}
	for _, c := range cases {
		config := dropboxConfig(script("\t\t\t<param name=\"option\">" + c.option + "</param>\n\t\t\t<param name=\"path\">" + c.path +
			"</param>\n\t\t\t<param name=\"dest\">/x</param>\n\t\t\t<param name=\"encrypted_key\">" + c.key + "</param>\n\t\t\t<param name=\"password\"/>\n"))
		for _, allow := range []bool{false, true} {
			els, _, err := resolve(t, study, config, ResolveOptions{AllowOutsideStudy: allow})
			accepted := c.problem == "" || (allow && c.allowed)
			switch {
			case accepted && err != nil:
				t.Errorf("%s %s (key %s, allow %v): unexpected error %v", c.option, c.path, c.key, allow, err)
			case !accepted && err == nil:
				t.Errorf("%s %s (key %s, allow %v): accepted as %s, want a problem containing %q", c.option, c.path, c.key, allow, els[0].Local, c.problem)
			case !accepted:
				ps := problemsOf(t, err)
				if len(ps) != 1 || !strings.Contains(ps[0].String(), c.problem) {
					t.Errorf("%s %s (key %s, allow %v): problems\n%s\nwant one containing %q", c.option, c.path, c.key, allow, list(ps), c.problem)
				}
			}
		}
	}
}

func TestLocalPathsAreReal(t *testing.T) {
	study := standardStudy(t)
	if err := os.Symlink("plot.png", filepath.Join(study, "post", "latest.png")); err != nil {
		t.Fatalf("cannot make a symbolic link: %v", err)
	}
	els, _, err := resolve(t, study, dropboxConfig(script("\t\t\t<param name=\"option\">file</param>\n\t\t\t<param name=\"path\">post/latest.png</param>\n\t\t\t<param name=\"dest\">/x</param>\n")), ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(study, "post", "plot.png"))
	if els[0].Local != real {
		t.Errorf("Local = %q, want the link's target %q", els[0].Local, real)
	}
	if els[0].Target != "/x/latest.png" {
		t.Errorf("Target = %q: the Dropbox name is the name written in the config", els[0].Target)
	}
}

func TestStudyDirectoryProblems(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-study")
	_, _, err := resolve(t, missing, dropboxConfig(goodScripts), ResolveOptions{})
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].Line != 0 || !strings.Contains(ps[0].String(), "no-such-study") || !strings.Contains(ps[0].Fix, "-t") {
		t.Errorf("problems:\n%s", list(ps))
	}
}
