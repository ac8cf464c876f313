package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// MaxDepth is how many levels of folders a scan goes down below the folder
// it posts. A folder deeper than that stops the scan (exit.Local) before
// anything is sent: studies are a few levels deep, and a tree from anywhere
// (a study cloned from a public repository) must not cost unbounded time,
// memory (every path is kept) or open files (one folder per level is held
// open while the scan is below it).
const MaxDepth = 1000

// onlyRegular ends the note on a special file left out.
const onlyRegular = "only regular files and folders are posted"

// walker lists a folder tree. Each folder is held open (os.Root) while what
// is in it is listed and examined, and every entry is reached from its own
// folder: each look-up resolves one name, so a scan costs time linear in
// the number of entries, at any depth. (Reaching every entry by its path
// from the top resolves one name per level of it, and costs time quadratic
// in the depth: 70 s for 5,000 levels.)
type walker struct {
	t     *Tree
	links linkRules
	path  []*folder // the folders from the top to the one being listed
	seen  int       // entries looked at, for yieldEvery
}

// yieldEvery is how many entries the scan looks at before it lets other
// goroutines run: the scan is CPU work that runs beside the listing of
// Dropbox (package push), whose goroutine, woken by the network, would
// otherwise wait for the scheduler to preempt the scan (10 ms a time) on
// a machine whose few cores the scan and Go's loading of the trusted
// certificates already take. About every 0.2 ms of scanning.
const yieldEvery = 16

// folder is a folder being walked.
type folder struct {
	d    *os.Root // the folder, open
	in   *area    // the area its files are read through (their File.root)
	at   string   // its path in in (os separators; "." for in itself)
	id   any      // what identifies it on its system (dirKey); nil until asked
	real string   // its real path, "" until asked
	// linked says it was reached through a link (not from the folder
	// before it in walker.path).
	linked bool
}

func newWalker(t *Tree, o Options) *walker {
	return &walker{t: t, links: newLinkRules(t, o)}
}

// walk lists the folder t holds open.
func (w *walker) walk() error {
	t := w.t
	if _, err := w.dir(&folder{d: t.root, in: w.links.top, at: "."}, "", 0); err != nil {
		return err
	}
	sort.Strings(t.EmptyDirs)
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Rel < t.Files[j].Rel })
	t.Twins = twins(t.Files)
	return nil
}

// step counts the names a look-up of name resolves: the scan's cost.
func (w *walker) step(name string) {
	w.t.steps += strings.Count(filepath.ToSlash(name), "/") + 1
}

// skip records that rel is left out, and why.
func (w *walker) skip(rel, why string) {
	w.t.Skipped = append(w.t.Skipped, Note{rel, why})
}

// dir lists the folder f, posted at rel ("" for the top), depth levels
// down, and reports whether it holds, at any depth, a file to post or one
// the filter left out. A folder below the top that holds neither and has no
// folder to post in it goes to EmptyDirs (the deepest empty folders:
// Dropbox creates the others, and their parents, when these are created).
func (w *walker) dir(f *folder, rel string, depth int) (full bool, err error) {
	t := w.t
	entries, err := w.list(f.d, rel)
	if err != nil {
		return false, err
	}
	w.path = append(w.path, f)
	defer func() { w.path = w.path[:len(w.path)-1] }()
	sub := false // a folder to post lies in it
	for _, e := range entries {
		if w.seen++; w.seen%yieldEvery == 0 {
			runtime.Gosched()
		}
		name := e.Name()
		crel := join(rel, name)
		isDir, isLink := e.IsDir(), e.Type()&fs.ModeSymlink != 0
		switch {
		case name == StateDir && (isDir || isLink):
			continue
		case dpath.Ignored(name):
			w.skip(crel, "Dropbox ignores this name")
			continue
		case !isDir && IsPullTemp(name):
			w.skip(crel, "a temporary file of an interrupted dropbox-post pull (the next pull removes it)")
			continue
		}
		var to *target // where a link leads
		if isLink && t.Filter.Active() && !t.Filter.File(crel, 0) {
			// left out by its name alone: not followed
			t.Filtered++
			full = true
			continue
		}
		if isLink {
			var why string
			if to, why = w.links.follow(w, f, name); to == nil {
				w.skip(crel, why)
				continue
			}
			isDir = to.info.IsDir()
		}
		switch {
		case isDir && !t.Filter.Dir(crel) && dpath.CheckName(name) != nil:
			t.Filtered++ // a folder Dropbox could not store, left out whole
			continue
		case !isDir && t.Filter.Active() && !w.passes(f, name, crel, to):
			t.Filtered++
			full = true // a file is there: the folder is not empty
			continue
		case !isDir && to != nil && !to.info.Mode().IsRegular():
			w.skip(crel, fmt.Sprintf("symbolic link to %q, %s: %s", to.real, regularfile.Kind(to.info.Mode()), onlyRegular))
			continue
		case !isDir && to == nil && !e.Type().IsRegular():
			w.skip(crel, regularfile.Kind(e.Type())+": "+onlyRegular)
			continue
		}
		if err := dpath.CheckName(name); err != nil {
			t.Invalid = append(t.Invalid, Note{crel, err.Error()})
			full = true // its folder is not empty: what it holds failed
			continue
		}
		var held bool
		switch {
		case isDir && to != nil:
			var entered bool
			if entered, held, err = w.linked(to, crel, depth+1); entered {
				sub = true
			}
		case isDir:
			sub = true
			held, err = w.sub(f, name, crel, depth+1)
		case to != nil:
			held = w.file(to.in, to.at, crel, to.info)
		default:
			w.step(name)
			info, lerr := f.d.Lstat(name)
			if lerr != nil {
				return false, at(lerr, crel)
			}
			held = w.file(f.in, filepath.Join(f.at, name), crel, info)
		}
		if err != nil {
			return false, err
		}
		full = full || held
	}
	if rel != "" && !full && !sub && t.Filter.Dir(rel) {
		t.EmptyDirs = append(t.EmptyDirs, rel)
	}
	return full, nil
}

// file adds the file at name in the area in, posted at rel, with info; one
// that is no longer a regular file (swapped since it was listed) is left
// out. It reports whether the file was added.
func (w *walker) file(in *area, name, rel string, info fs.FileInfo) bool {
	if !info.Mode().IsRegular() {
		w.skip(rel, regularfile.Kind(info.Mode())+": "+onlyRegular)
		return false
	}
	path := filepath.Join(w.t.Root, filepath.FromSlash(rel))
	w.t.Files = append(w.t.Files, &File{Rel: tail(path, rel), Path: path, Size: info.Size(), ModTime: info.ModTime(),
		root: in.root, name: tail(path, name)})
	return true
}

// tail returns s as the end of path, sharing its memory, when path ends
// with a separator and s: a file's three paths (Path, Rel, and its name in
// its root) are then one string in memory.
func tail(path, s string) string {
	if n := len(path) - len(s); n > 0 && path[n-1] == filepath.Separator && path[n:] == s {
		return path[n:]
	}
	return s
}

// sub opens the folder name in f (posted at rel, depth levels down), lists
// it, and closes it.
func (w *walker) sub(f *folder, name, rel string, depth int) (full bool, err error) {
	if depth > MaxDepth {
		return false, w.tooDeep(rel)
	}
	w.step(name)
	s, err := f.d.OpenRoot(name)
	if err != nil {
		return false, at(err, rel)
	}
	defer s.Close()
	return w.dir(&folder{d: s, in: f.in, at: filepath.Join(f.at, name)}, rel, depth)
}

// linked walks the folder a link leads to (to), posted at rel, depth levels
// down, unless it is a folder the walk is in (a loop) or one walked through
// a link already: those are left out. entered says whether it was walked.
func (w *walker) linked(to *target, rel string, depth int) (entered, full bool, err error) {
	if depth > MaxDepth {
		return false, false, w.tooDeep(rel)
	}
	w.step(to.at)
	s, err := to.in.root.OpenRoot(to.at)
	if err != nil {
		w.skip(rel, fmt.Sprintf("symbolic link to %q, which cannot be opened: %v", to.real, cause(err)))
		return false, false, nil
	}
	defer s.Close()
	f := &folder{d: s, in: to.in, at: to.at, real: to.real, linked: true}
	id, err := w.id(f)
	if err != nil {
		w.skip(rel, fmt.Sprintf("symbolic link to %q, which cannot be read: %v", to.real, cause(err)))
		return false, false, nil
	}
	if w.loop(to.real, id) {
		w.skip(rel, fmt.Sprintf("symbolic link to %q, a folder it is in (a loop)", to.real))
		return false, false, nil
	}
	if first, ok := w.links.walked[id]; ok {
		w.skip(rel, fmt.Sprintf("symbolic link to %q, a folder posted already through the link %q", to.real, first))
		return false, false, nil
	}
	w.links.walked[id] = rel
	full, err = w.dir(f, rel, depth)
	return true, full, err
}

// loop reports whether the folder at real (identified by id) holds the
// folder being listed: it is one of the folders the walk is in (the same
// id), or, by its real path, above one of them (a link to a folder above the
// one posted leads back to it as well).
func (w *walker) loop(real string, id any) bool {
	for i, p := range w.path {
		if pid, err := w.id(p); err == nil && pid == id {
			return true
		}
		// The folders of one stretch walked without a link lie in the last
		// one's real path: that one is enough.
		if last := i == len(w.path)-1 || w.path[i+1].linked; last {
			if r := w.links.realOf(p); r != "" && within(r, real) {
				return true
			}
		}
	}
	return false
}

// id returns what identifies the folder f on its system.
func (w *walker) id(f *folder) (any, error) {
	if f.id == nil {
		w.step(".")
		info, err := f.d.Stat(".")
		if err != nil {
			return nil, err
		}
		f.id = dirKey(info, w.links.realOf(f))
	}
	return f.id, nil
}

// list returns what the folder d (posted at rel) holds, sorted by name.
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

// passes reports whether the file name in f, posted at rel (a link leading
// to to, if not nil), passes the filter; its size is looked up only when
// the filter has a size limit to check.
func (w *walker) passes(f *folder, name, rel string, to *target) bool {
	if !w.t.Filter.File(rel, 0) {
		return false
	}
	info := fs.FileInfo(nil)
	if to != nil {
		info = to.info
	} else {
		w.step(name)
		var err error
		if info, err = f.d.Lstat(name); err != nil {
			return true // decided later, as for any file
		}
	}
	return !info.Mode().IsRegular() || w.t.Filter.File(rel, info.Size())
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

// cause is err without the path a *fs.PathError adds.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
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
