package pull

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
)

// Dropbox takes names that differ only by case or by Unicode
// normalisation for one (dpath.Key); the local file system may not. A
// Dropbox file whose name is, to Dropbox, that of a file or folder already
// in the local folder goes there, under the local name: a café.csv that
// macOS wrote in NFD is the café.csv Dropbox holds in NFC, and a local
// exp1/ is Dropbox's Exp1/. Otherwise a pull would put a second copy
// beside it, which the next push would refuse as a twin.

// localNames finds, folder by folder, the local name of each place.
type localNames struct {
	root *os.Root
	dirs map[string]map[string][]string // local folder → key → its names of that key
}

// placeLocally renames the jobs and folders of l to the local names they
// have already, if any.
func placeLocally(root *os.Root, l *listing) {
	n := &localNames{root: root, dirs: map[string]map[string][]string{}}
	for _, j := range l.jobs {
		j.rel = n.place(j.rel)
	}
	for i, d := range l.folders {
		l.folders[i] = n.place(d)
	}
	sort.Slice(l.jobs, func(i, j int) bool { return l.jobs[i].rel < l.jobs[j].rel })
	sort.Strings(l.folders)
}

// place returns rel ("/"-separated) with each name replaced by the local
// name Dropbox would take for it, when there is one and rel's own is not.
func (n *localNames) place(rel string) string {
	names := strings.Split(rel, "/")
	dir := ""
	for i, name := range names {
		if have := n.list(dir)[dpath.Key(name)]; len(have) > 0 && !slices.Contains(have, name) {
			names[i] = have[0]
		}
		dir = strings.TrimPrefix(dir+"/"+names[i], "/")
	}
	return strings.Join(names, "/")
}

// list returns the names of the local folder dir by key (nil when it
// cannot be read, as when it does not exist yet).
func (n *localNames) list(dir string) map[string][]string {
	if m, ok := n.dirs[dir]; ok {
		return m
	}
	var m map[string][]string
	name := "."
	if dir != "" {
		name = filepath.FromSlash(dir)
	}
	if f, err := n.root.Open(name); err == nil {
		names, _ := f.Readdirnames(-1)
		f.Close()
		sort.Strings(names)
		m = make(map[string][]string, len(names))
		for _, have := range names {
			k := dpath.Key(have)
			m[k] = append(m[k], have)
		}
	}
	n.dirs[dir] = m
	return m
}
