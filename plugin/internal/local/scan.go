// Package local finds the files to post (walking a folder the way Dropbox
// will see it) and computes their Dropbox content hashes.
package local

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/dpath"
)

// StateDir is the folder dropbox-post keeps its own files in (manifests).
// It is never posted.
const StateDir = ".dropbox-post"

// File is a regular file to post.
type File struct {
	Rel     string // path below the scanned root, "/"-separated; a single file: its name
	Path    string // local path
	Size    int64
	ModTime time.Time
	Hash    string // Dropbox content hash, hex; "" until hashed
}

// Note says why a path was left out or cannot be posted.
type Note struct {
	Rel    string
	Reason string
}

// Tree is what Scan found.
type Tree struct {
	Root      string   // the scanned path
	IsDir     bool     // Root is a folder (else a single file)
	Files     []*File  // sorted by Rel
	EmptyDirs []string // folders with nothing to post in them, "/"-separated
	Skipped   []Note   // left out on purpose: links, special files, names Dropbox ignores
	Invalid   []Note   // cannot be posted: names Dropbox cannot store, case clashes
}

// Bytes returns the total size of the files.
func (t *Tree) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// Scan walks root (a file or a folder). Symbolic links are not followed
// (a results folder that links elsewhere must not post what it points to),
// special files and the names Dropbox ignores are skipped, and names Dropbox
// cannot store are listed in Invalid, so that they are reported before
// anything is sent.
func Scan(root string) (*Tree, error) {
	info, err := os.Lstat(root)
	if err != nil {
		return nil, err
	}
	t := &Tree{Root: root, IsDir: info.IsDir()}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file or a folder", root)
		}
		name := filepath.Base(root)
		if err := dpath.CheckName(name); err != nil {
			t.Invalid = append(t.Invalid, Note{name, err.Error()})
		}
		t.Files = []*File{{Rel: name, Path: root, Size: info.Size(), ModTime: info.ModTime()}}
		return t, nil
	}
	dirs := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		name := d.Name()
		switch {
		case d.IsDir() && name == StateDir:
			return filepath.SkipDir
		case dpath.Ignored(name):
			t.Skipped = append(t.Skipped, Note{rel, "Dropbox ignores this name"})
			return skip(d)
		case d.Type()&fs.ModeSymlink != 0:
			t.Skipped = append(t.Skipped, Note{rel, "symbolic link, not followed"})
			return nil
		case !d.IsDir() && !d.Type().IsRegular():
			t.Skipped = append(t.Skipped, Note{rel, "not a regular file"})
			return nil
		}
		if err := dpath.CheckName(name); err != nil {
			t.Invalid = append(t.Invalid, Note{rel, err.Error()})
			return skip(d)
		}
		if d.IsDir() {
			dirs[rel] = true
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		t.Files = append(t.Files, &File{Rel: rel, Path: path, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.EmptyDirs = emptyDirs(dirs, t.Files)
	sort.Slice(t.Files, func(i, j int) bool { return t.Files[i].Rel < t.Files[j].Rel })
	t.Invalid = append(t.Invalid, caseClashes(t.Files)...)
	return t, nil
}

func skip(d fs.DirEntry) error {
	if d.IsDir() {
		return filepath.SkipDir
	}
	return nil
}

// parents calls fn for each folder above rel, deepest first, until fn
// returns false.
func parents(rel string, fn func(dir string) bool) {
	for dir := rel; ; {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 || !fn(dir[:i]) {
			return
		}
		dir = dir[:i]
	}
}

// emptyDirs returns the deepest folders that hold no file at any depth:
// Dropbox creates the others implicitly when their files arrive; these need
// create_folder (which creates their parents too).
func emptyDirs(dirs map[string]bool, files []*File) []string {
	full := map[string]bool{} // holds a file at some depth
	for _, f := range files {
		parents(f.Rel, func(dir string) bool {
			if full[dir] {
				return false
			}
			full[dir] = true
			return true
		})
	}
	covered := map[string]bool{} // an empty folder lies below it
	for dir := range dirs {
		if !full[dir] {
			parents(dir, func(p string) bool {
				if covered[p] {
					return false
				}
				covered[p] = true
				return true
			})
		}
	}
	var out []string
	for dir := range dirs {
		if !full[dir] && !covered[dir] {
			out = append(out, dir)
		}
	}
	sort.Strings(out)
	return out
}

// caseClashes reports files whose paths differ only by case: Dropbox paths
// are case-insensitive, so they would overwrite each other.
func caseClashes(files []*File) []Note {
	seen := make(map[string]string, len(files))
	var out []Note
	for _, f := range files {
		key := dpath.Lower(f.Rel)
		if other, ok := seen[key]; ok {
			out = append(out, Note{f.Rel, fmt.Sprintf("differs from %s only by case; Dropbox would store both as one file", other)})
			continue
		}
		seen[key] = f.Rel
	}
	return out
}
