package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// Recorded reports whether the newest manifest in dir for m's destination
// already records what m does: the same local path, destination, shared
// link, and the same files with the same content hash and revision. A push
// that sent nothing then writes no manifest, so that ten unchanged runs
// leave one record, not ten. An unreadable or missing manifest is not a
// record.
func Recorded(dir string, m *Manifest) bool {
	names, err := filepath.Glob(filepath.Join(dir, "*-"+slug(m.Dest)+"*.json"))
	if err != nil || len(names) == 0 {
		return false
	}
	// The newest by the start time each holds: the names give it only to
	// the second, and "…-1.json" sorts before "….json", so runs within one
	// second would be taken in the wrong order.
	var newest *Manifest
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return false
		}
		var old Manifest
		if json.Unmarshal(data, &old) != nil {
			return false
		}
		if old.Dest != m.Dest || old.Local != m.Local {
			continue // another push that happens to share the slug
		}
		if newest == nil || old.Started.After(newest.Started) {
			newest = &old
		}
	}
	return newest != nil && sameFiles(*newest, *m)
}

func sameFiles(a, b Manifest) bool {
	if a.Link != b.Link || len(a.Files) != len(b.Files) {
		return false
	}
	key := func(f report.File) string {
		return strings.Join([]string{f.Local, f.Dropbox, f.Hash, f.Rev}, "\x00")
	}
	seen := map[string]bool{}
	for _, f := range a.Files {
		seen[key(f)] = true
	}
	for _, f := range b.Files {
		if !seen[key(f)] || f.Status == "failed" {
			return false
		}
	}
	return true
}
