package configschema

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// study is the directory a config's local paths are resolved against: the
// study directory, which is where librec-auto runs post scripts.
type study struct {
	dir          string // absolute, as given
	real         string // dir with symbolic links resolved
	allowOutside bool
	// allowed are the person's folders outside the study that a path
	// param may lead into (ResolveOptions.Allowed), as given and with
	// links resolved.
	allowed []string
}

func openStudy(dir string, opts ResolveOptions) (study, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return study{}, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return study{}, fmt.Errorf("study directory %q: %w", abs, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return study{}, fmt.Errorf("study directory %q: %w", abs, err)
	}
	if !fi.IsDir() {
		return study{}, fmt.Errorf("study directory %q is not a directory", abs)
	}
	s := study{dir: abs, real: real, allowOutside: opts.AllowOutsideStudy}
	for _, a := range opts.Allowed {
		s.allowed = append(s.allowed, a)
		if r, err := filepath.EvalSymlinks(a); err == nil && r != a {
			s.allowed = append(s.allowed, r)
		}
	}
	return s, nil
}

// inside reports whether p (absolute, clean) lies in the study, or, when
// results is set (a path param), in a folder the person allowed.
func (s study) inside(p string, results bool) bool {
	if s.allowOutside || within(p, s.dir) || within(p, s.real) {
		return true
	}
	for _, a := range s.allowed {
		if results && within(p, a) {
			return true
		}
	}
	return false
}

// localError is a problem with a local path: what, and how to fix it.
type localError struct{ what, fix string }

func (e *localError) Error() string { return e.what }

// resolve turns p, a path from the config, into the real absolute path of
// an existing file or folder inside the study. A relative p is taken from
// the study directory. Unless the study allows it, p may not lead outside
// the study, by "..", by being absolute, or through a symbolic link; when
// results is set (p is what to post), it may lead into a folder the person
// allowed (DROPBOX_POST_ALLOW_OUTSIDE).
func (s study) resolve(p string, results bool) (string, fs.FileInfo, *localError) {
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(s.dir, p)
	}
	abs = filepath.Clean(abs)
	keepInside := "a config may only use files of its own study: move the file into the study directory, or pass --allow-outside-study if you trust this config"
	if results {
		keepInside = "a config may only use files of its own study: move the file into the study directory; for results kept elsewhere (scratch storage behind a link), list the folder holding them in DROPBOX_POST_ALLOW_OUTSIDE (absolute folders, separated by " +
			strconv.Quote(string(filepath.ListSeparator)) + "); or pass --allow-outside-study if you trust this config"
	}
	if !s.inside(abs, results) {
		return "", nil, &localError{fmt.Sprintf("%q is %q, outside the study directory %q", p, abs, s.dir), keepInside}
	}
	if _, err := os.Lstat(abs); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil, &localError{fmt.Sprintf("%q: %q does not exist", p, abs),
				"check the name; relative paths are taken from the study directory " + strconv.Quote(s.dir)}
		}
		return "", nil, &localError{fmt.Sprintf("%q: cannot read %q: %s", p, abs, underlying(err)), "check the file's permissions"}
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", nil, &localError{fmt.Sprintf("%q: %q is a symbolic link to something that does not exist", p, abs),
			"fix or remove the link"}
	}
	if !s.inside(real, results) {
		return "", nil, &localError{fmt.Sprintf("%q leads, through a symbolic link, to %q, outside the study directory %q", p, real, s.dir), keepInside}
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", nil, &localError{fmt.Sprintf("%q: cannot read %q: %s", p, real, underlying(err)), "check the file's permissions"}
	}
	return real, fi, nil
}

// within reports whether path p is dir or lies below it (lexically; both
// absolute and clean).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
