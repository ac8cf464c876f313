// Package shiminstall puts the dropbox-post shim where librec-auto looks
// for post scripts with src="system": its librec_auto/core/cmd/post/
// folder, under both names a config may use (dropbox-post.py, as the
// librec-auto how-to writes, and dropbox_post.py, the script librec-auto
// ships). librec-auto's own dropbox_post.py is kept aside as
// dropbox_post.py.orig, once, and put back by Uninstall.
package shiminstall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Names are the file names the shim is installed under.
var Names = []string{"dropbox-post.py", "dropbox_post.py"}

// marker is in every shim this package writes: a file holding it is ours.
const marker = "# dropbox-post shim: this line marks the file as ours"

// binLine is the shim's line that names the installing binary.
const binLine = "INSTALLED_BIN = None"

// Options say what to do.
type Options struct {
	Python string // the Python whose librec_auto is used: "python3" by default
	Binary string // the absolute path of the dropbox-post binary the shim runs
	Shim   []byte // the shim's source (Source)
	DryRun bool   // say what would be done, change nothing
}

// Action is one thing done (or, in a dry run, to be done).
type Action struct {
	What string // "installed", "updated", "already installed", "kept aside", "restored", "removed", "left alone"
	Path string
	Note string
}

// String is the action as a line for a person.
func (a Action) String() string {
	s := fmt.Sprintf("%s %q", a.What, a.Path)
	if a.Note != "" {
		s += ": " + a.Note
	}
	return s
}

// findLibrecAuto is the Python that PostDir runs: librec_auto's folder,
// imported with no empty (current folder) entry on sys.path.
const findLibrecAuto = `import os, sys
sys.path[:] = [p for p in sys.path if p]
import librec_auto
print(os.path.dirname(librec_auto.__file__))`

// PostDir asks python where librec_auto is, as librec-auto's own code
// finds its post scripts, and returns its core/cmd/post folder. The
// interpreter decides, so virtualenvs, user site-packages and PYTHONPATH
// are honoured; the current folder never is. A study cloned from anywhere
// may ship a librec_auto/ folder, and install must neither run its code nor
// write into it. So python runs in a new empty folder of its own, with no
// empty entry on sys.path, and with the PYTHONPATH entries that are not
// absolute paths left out (Python resolves them against the folder it
// starts in: "", "." and "lib" would be the study). Those left out are
// returned in ignored, for a warning.
func PostDir(ctx context.Context, python string) (dir string, ignored []string, err error) {
	if python == "" {
		python = "python3"
	}
	// A relative --python means relative to here, not to the folder python
	// starts in. LookPath refuses a python3 found through a relative PATH
	// entry (exec.ErrDot): a study's own ./python3 is never run.
	exe, err := exec.LookPath(python)
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		return "", nil, exit.New(exit.Usage, fmt.Sprintf("cannot run %q: %v", python, err), "give a Python 3 interpreter with --python")
	}
	work, err := os.MkdirTemp("", "dropbox-post-python-")
	if err != nil {
		return "", nil, exit.Wrap(exit.Local, err, "cannot make an empty folder to run Python in", "")
	}
	defer os.RemoveAll(work)
	pythonPath, ignored := absolutePaths(os.Getenv("PYTHONPATH"))
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, "-c", findLibrecAuto)
	cmd.Dir = work
	cmd.Env = os.Environ()
	if pythonPath != "" || len(ignored) > 0 {
		cmd.Env = append(cmd.Env, "PYTHONPATH="+pythonPath) // the last one counts
	}
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			last := lastLine(stderr.String())
			hint := "install librec-auto for that Python (pip install librec-auto), or give the Python that has it with --python (a virtualenv's bin/python)"
			if len(ignored) > 0 {
				hint += fmt.Sprintf(", or give its folder in PYTHONPATH as an absolute path (left out, as not absolute: %q)", ignored)
			}
			return "", ignored, exit.New(exit.Usage, fmt.Sprintf("%q cannot import librec_auto (%q)", python, last), hint)
		}
		return "", ignored, exit.New(exit.Usage, fmt.Sprintf("cannot run %q: %v", python, err), "give a Python 3 interpreter with --python")
	}
	dir = lastLine(string(out)) // after anything a sitecustomize printed
	post := filepath.Join(dir, "core", "cmd", "post")
	if fi, err := os.Stat(post); err != nil || !fi.IsDir() {
		return "", ignored, exit.New(exit.Usage, fmt.Sprintf("librec_auto at %q has no core/cmd/post folder", dir),
			"is it librec-auto? install it with pip install librec-auto")
	}
	return post, ignored, nil
}

// lastLine returns the last line of s that is not blank, trimmed.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
}

// absolutePaths returns the list of paths list (PYTHONPATH's form) with
// only its absolute entries, and the entries it left out.
func absolutePaths(list string) (kept string, ignored []string) {
	var abs []string
	for _, p := range filepath.SplitList(list) {
		if filepath.IsAbs(p) {
			abs = append(abs, p)
		} else {
			ignored = append(ignored, p)
		}
	}
	return strings.Join(abs, string(os.PathListSeparator)), ignored
}

// Shim returns the shim that runs binary.
func Shim(src []byte, binary string) ([]byte, error) {
	if !bytes.Contains(src, []byte(marker)) || !bytes.Contains(src, []byte(binLine)) {
		return nil, errors.New("the embedded shim lacks its marker or its INSTALLED_BIN line")
	}
	lit, _ := json.Marshal(binary) // a JSON string is a Python string literal
	return bytes.Replace(src, []byte(binLine), []byte("INSTALLED_BIN = "+string(lit)), 1), nil
}

// Install writes the shim under both Names in dir, keeping a file that is
// not ours aside as NAME.orig. A file not ours found where the shim was
// is librec-auto's own, put back by an upgrade of librec-auto: it takes
// the place of the older copy in NAME.orig, so that --uninstall restores
// the one of the librec-auto installed. Running it again changes nothing
// unless the binary moved.
func Install(dir string, o Options) ([]Action, error) {
	shim, err := Shim(o.Shim, o.Binary)
	if err != nil {
		return nil, err
	}
	var acts []Action
	for _, name := range Names {
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		exists := err == nil
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read %q", path), "")
		}
		switch {
		case exists && bytes.Equal(old, shim):
			acts = append(acts, Action{What: "already installed", Path: path})
			continue
		case exists && !ours(old):
			orig := path + ".orig"
			note := "the file librec-auto had there; --uninstall puts it back"
			if prev, err := os.ReadFile(orig); err == nil && !bytes.Equal(prev, old) {
				note = "librec-auto's file, put back by an upgrade of librec-auto; it replaces the older copy kept aside before; --uninstall puts it back"
			}
			if !o.DryRun {
				if err := os.Rename(path, orig); err != nil {
					return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot keep %q aside", path), "")
				}
			}
			acts = append(acts, Action{What: "kept aside", Path: orig, Note: note})
		}
		what := "installed"
		if exists && ours(old) {
			what = "updated"
		}
		if !o.DryRun {
			if err := atomicfile.WriteFile(path, shim, 0o755, true); err != nil {
				return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot write %q", path), "check that you may write there (a system-wide librec-auto may need its owner)")
			}
		}
		acts = append(acts, Action{What: what, Path: path, Note: fmt.Sprintf("runs %q", o.Binary)})
	}
	return acts, nil
}

// Uninstall removes the shims from dir and puts back what Install kept
// aside. A file that is not ours is left alone: librec-auto's own, put
// back by an upgrade of librec-auto; the older copy Install kept aside is
// then removed, since the file it would restore is there already.
func Uninstall(dir string, o Options) ([]Action, error) {
	var acts []Action
	for _, name := range Names {
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		switch {
		case err == nil && !ours(old):
			acts = append(acts, Action{What: "left alone", Path: path, Note: "not dropbox-post's shim"})
			orig := path + ".orig"
			if _, err := os.Lstat(orig); err == nil {
				if !o.DryRun {
					if err := os.Remove(orig); err != nil {
						return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot remove %q", orig), "")
					}
				}
				acts = append(acts, Action{What: "removed", Path: orig, Note: "an older copy of librec-auto's file, which an upgrade of librec-auto put back in place"})
			}
			continue
		case err == nil:
			if !o.DryRun {
				if err := os.Remove(path); err != nil {
					return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot remove %q", path), "")
				}
			}
			acts = append(acts, Action{What: "removed", Path: path})
		case !errors.Is(err, os.ErrNotExist):
			return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read %q", path), "")
		}
		orig := path + ".orig"
		if _, err := os.Lstat(orig); err == nil {
			if !o.DryRun {
				if err := os.Rename(orig, path); err != nil {
					return acts, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot put %q back", orig), "")
				}
			}
			acts = append(acts, Action{What: "restored", Path: path, Note: "librec-auto's own file"})
		}
	}
	return acts, nil
}

func ours(b []byte) bool { return bytes.Contains(b, []byte(marker)) }
