package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// EnvAllowOutside names the environment variable in which the person (never
// a config) lists folders outside the study that symbolic links in it, and
// a config's paths, may lead into: results kept on scratch storage behind a
// link.
const EnvAllowOutside = "DROPBOX_POST_ALLOW_OUTSIDE"

// ParseAllowed reads the value of EnvAllowOutside: absolute folders,
// separated as in PATH (":", or ";" on Windows). Empty entries are ignored;
// a relative one is an error (exit.Usage): it would depend on where the
// program runs.
func ParseAllowed(v string) ([]string, error) {
	var out []string
	for _, p := range filepath.SplitList(v) {
		switch {
		case p == "":
		case !filepath.IsAbs(p):
			return nil, exit.New(exit.Usage, fmt.Sprintf("%s holds %q, which is not an absolute path", EnvAllowOutside, p),
				"list absolute folders, separated by "+string(filepath.ListSeparator))
		default:
			out = append(out, filepath.Clean(p))
		}
	}
	return out, nil
}

// area is a folder symbolic links may lead into: the study (or, without
// one, the scanned folder), or one the person allowed. What a link leads
// to is reached through the area's os.Root, by its real path in it.
type area struct {
	root *os.Root // nil until opened
	path string   // as given
	real string   // path with links resolved; "" until asked, or when it cannot be
	done bool     // real was asked for
	t    *Tree    // closes root
}

// realPath returns a's real path, "" if it has none (it does not exist).
func (a *area) realPath() string {
	if !a.done {
		a.done = true
		if abs, err := filepath.Abs(a.path); err == nil {
			a.real, _ = filepath.EvalSymlinks(abs)
		}
	}
	return a.real
}

// open returns a's root, opened the first time.
func (a *area) open() (*os.Root, error) {
	if a.root == nil {
		r, err := os.OpenRoot(a.realPath())
		if err != nil {
			return nil, err
		}
		a.root = r
		a.t.roots = append(a.t.roots, r)
	}
	return a.root, nil
}

// linkRules decide where the symbolic links a walk meets may lead.
type linkRules struct {
	top     *area          // the scanned folder
	areas   []*area        // where links may lead: top, the study, the person's
	outside string         // names where links may lead, in a refusal
	walked  map[any]string // folders walked through a link (dirKey): the first link's rel
}

func newLinkRules(t *Tree, o Options) linkRules {
	top := &area{root: t.root, path: t.Root, t: t}
	l := linkRules{top: top, areas: []*area{top}, outside: fmt.Sprintf("the folder posted, %q", t.Root), walked: map[any]string{}}
	if o.Study != "" {
		l.areas = append(l.areas, &area{path: o.Study, t: t})
		l.outside = fmt.Sprintf("the study %q", o.Study)
	}
	for _, p := range o.Allowed {
		l.areas = append(l.areas, &area{path: p, t: t})
	}
	return l
}

// target is where a symbolic link leads: the file or folder at at (its
// real path below in's) in the area in.
type target struct {
	in   *area
	at   string
	real string // its real path
	info fs.FileInfo
}

// follow resolves the link name in the folder f. It returns where the link
// leads, or nil and why it is not followed: it leads nowhere, outside the
// study (or the scanned folder) and the allowed folders, or into
// dropbox-post's own StateDir.
func (l *linkRules) follow(w *walker, f *folder, name string) (*target, string) {
	w.step(name)
	dest, err := f.d.Readlink(name)
	if err != nil {
		return nil, fmt.Sprintf("symbolic link that cannot be read: %v", cause(err))
	}
	abs := dest
	if !filepath.IsAbs(dest) {
		dir := l.realOf(f)
		if dir == "" {
			return nil, fmt.Sprintf("symbolic link to %q, which cannot be followed: the real path of its folder is unknown", dest)
		}
		abs = dir + string(filepath.Separator) + dest
	}
	w.step(abs)
	real, err := filepath.EvalSymlinks(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Sprintf("symbolic link to %q, which does not exist", dest)
	case err != nil:
		return nil, fmt.Sprintf("symbolic link to %q, which cannot be followed: %v", dest, cause(err))
	}
	in := l.areaOf(real)
	if in == nil {
		return nil, fmt.Sprintf("symbolic link to %q, outside %s: links are followed only inside it; to post what this one leads to, add a folder holding it to %s (absolute folders, separated by %q)",
			real, l.outside, EnvAllowOutside, string(filepath.ListSeparator))
	}
	rel, err := filepath.Rel(in.real, real)
	if err != nil {
		return nil, fmt.Sprintf("symbolic link to %q, which cannot be followed: %v", real, err)
	}
	if slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), StateDir) {
		return nil, fmt.Sprintf("symbolic link to %q, inside dropbox-post's own %s folder, which is never posted", real, StateDir)
	}
	root, err := in.open()
	if err == nil {
		w.step(rel)
		var info fs.FileInfo
		if info, err = root.Stat(rel); err == nil {
			return &target{in: in, at: rel, real: real, info: info}, ""
		}
	}
	return nil, fmt.Sprintf("symbolic link to %q, which cannot be read: %v", real, cause(err))
}

// areaOf returns the area that the real path p lies in, nil if none.
func (l *linkRules) areaOf(p string) *area {
	for _, a := range l.areas {
		if r := a.realPath(); r != "" && within(p, r) {
			return a
		}
	}
	return nil
}

// realOf returns the real path of the folder f, "" when it cannot be found.
func (l *linkRules) realOf(f *folder) string {
	if f.real == "" {
		if r := f.in.realPath(); r != "" {
			f.real = filepath.Join(r, f.at)
		}
	}
	return f.real
}

// within reports whether the clean absolute path p is dir or lies below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
