package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// MaxDepth is how many levels of folders a scan goes down below the folder
// it posts. A folder deeper than that stops the scan (exit.Local) before
// anything is sent: studies are a few levels deep, and a tree from anywhere
// (a study cloned from a public repository) must not cost unbounded time,
// memory (every path is kept) or open files (one folder per level is held
// open while the scan is below it).
const MaxDepth = 1000

// walker lists a folder tree. Each folder is held open (os.Root) while what
// is in it is listed and examined, and every entry is reached from its own
// folder: each look-up resolves one name, so a scan costs time linear in
// the number of entries, at any depth. (Reaching every entry by its path
// from the top resolves one name per level of it, and costs time quadratic
// in the depth: 70 s for 5,000 levels.)
type walker struct {
	t *Tree
}

// walk lists the folder t holds open.
func (t *Tree) walk() error {
	w := &walker{t: t}
	if _, err := w.dir(t.root, "", 0); err != nil {
		return err
	}
	sort.Strings(t.EmptyDirs)
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Rel < t.Files[j].Rel })
	t.Invalid = append(t.Invalid, caseClashes(t.Files)...)
	return nil
}

// step counts the names a look-up of name resolves: the scan's cost.
func (w *walker) step(name string) {
	w.t.steps += strings.Count(filepath.ToSlash(name), "/") + 1
}

// dir lists the folder d, found at rel ("" for the top), depth levels down,
// and reports whether it holds, at any depth, a file to post or one the
// filter left out. A folder below the top that holds neither and has no
// folder to post in it goes to EmptyDirs (the deepest empty folders:
// Dropbox creates the others, and their parents, when these are created).
func (w *walker) dir(d *os.Root, rel string, depth int) (full bool, err error) {
	t := w.t
	entries, err := w.list(d, rel)
	if err != nil {
		return false, err
	}
	sub := false // a folder to post lies in it
	for _, e := range entries {
		name := e.Name()
		crel := join(rel, name)
		isDir := e.IsDir()
		switch {
		case isDir && name == StateDir:
			continue
		case dpath.Ignored(name):
			t.Skipped = append(t.Skipped, Note{crel, "Dropbox ignores this name"})
			continue
		case !isDir && IsPullTemp(name):
			t.Skipped = append(t.Skipped, Note{crel, "a temporary file of an interrupted dropbox-post pull (the next pull removes it)"})
			continue
		case isDir && !t.Filter.Dir(crel) && dpath.CheckName(name) != nil:
			t.Filtered++ // a folder Dropbox could not store, left out whole
			continue
		case !isDir && t.Filter.Active() && !w.passes(d, name, crel):
			t.Filtered++
			full = true // a file is there: the folder is not empty
			continue
		case e.Type()&fs.ModeSymlink != 0:
			t.Skipped = append(t.Skipped, Note{crel, "symbolic link, not followed"})
			continue
		case !isDir && !e.Type().IsRegular():
			t.Skipped = append(t.Skipped, Note{crel, "not a regular file"})
			continue
		}
		if err := dpath.CheckName(name); err != nil {
			t.Invalid = append(t.Invalid, Note{crel, err.Error()})
			continue
		}
		if isDir {
			sub = true
			held, err := w.sub(d, name, crel, depth+1)
			if err != nil {
				return false, err
			}
			full = full || held
			continue
		}
		w.step(name)
		info, err := d.Lstat(name)
		if err != nil {
			return false, at(err, crel)
		}
		if !info.Mode().IsRegular() { // swapped since it was listed
			t.Skipped = append(t.Skipped, Note{crel, "not a regular file"})
			continue
		}
		osName := filepath.FromSlash(crel)
		t.Files = append(t.Files, &File{Rel: crel, Path: filepath.Join(t.Root, osName), Size: info.Size(), ModTime: info.ModTime(),
			root: t.root, name: osName})
		full = true
	}
	if rel != "" && !full && !sub && t.Filter.Dir(rel) {
		t.EmptyDirs = append(t.EmptyDirs, rel)
	}
	return full, nil
}

// sub opens the folder name in d (found at rel, depth levels down), lists
// it, and closes it.
func (w *walker) sub(d *os.Root, name, rel string, depth int) (full bool, err error) {
	if depth > MaxDepth {
		return false, w.tooDeep(rel)
	}
	w.step(name)
	s, err := d.OpenRoot(name)
	if err != nil {
		return false, at(err, rel)
	}
	defer s.Close()
	return w.dir(s, rel, depth)
}

// list returns what the folder d (found at rel) holds, sorted by name.
func (w *walker) list(d *os.Root, rel string) ([]fs.DirEntry, error) {
	w.step(".")
	f, err := d.Open(".")
	if err != nil {
		return nil, at(err, rel)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, at(err, rel)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// passes reports whether the file name in d, at rel, passes the filter; its
// size is looked up only when the filter has a size limit to check.
func (w *walker) passes(d *os.Root, name, rel string) bool {
	if !w.t.Filter.File(rel, 0) {
		return false
	}
	w.step(name)
	info, err := d.Lstat(name)
	if err != nil || !info.Mode().IsRegular() {
		return true // decided later, as for any file
	}
	return w.t.Filter.File(rel, info.Size())
}

// tooDeep is the error for the folder at rel, deeper than MaxDepth.
func (w *walker) tooDeep(rel string) error {
	parts := strings.Split(rel, "/")
	short := rel
	if len(parts) > 4 {
		short = strings.Join(parts[:3], "/") + "/…/" + parts[len(parts)-1]
	}
	return exit.New(exit.Local,
		fmt.Sprintf("the folder %q in %q is more than %d folders deep: dropbox-post goes no deeper", short, w.t.Root, MaxDepth),
		"move what is that deep closer to the top, or post a folder further down")
}

// at puts rel (the path below the scanned folder) in err, a look-up's
// error, in place of the name the look-up was given.
func at(err error, rel string) error {
	var pe *fs.PathError
	if rel == "" {
		rel = "."
	}
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: rel, Err: pe.Err}
	}
	return err
}

// join returns rel/name ("/"-separated), or name at the top.
func join(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}
