package manifest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// Recorded reports whether the newest manifest in dir for m's destination
// already records what m does: the same local path, destination, shared
// link, and the same files with the same content hash and revision. A push
// that sent nothing then writes no manifest, so that ten unchanged runs
// leave one record, not ten. An unreadable or missing manifest is not a
// record.
//
// dir may be a study's .dropbox-post/manifests, which comes with the
// study: only files named as Write names them are looked at, the
// newest first (by the start time in their names), and only those that
// are regular files no larger than a manifest of m's files could be (twice
// m's own size, plus 1 MiB) are read. Anything else in their place is not
// a record: the push then writes one.
func Recorded(dir *statedir.Folder, m *Manifest) bool {
	size, err := encodedSize(m)
	if err != nil {
		return false
	}
	limit := min(MaxSize, 2*size+1<<20)
	ents, err := dir.Entries()
	if err != nil {
		return false
	}
	named := regexp.MustCompile(`^([0-9]{8}T[0-9]{6}Z)-` + regexp.QuoteMeta(slug(m.Dest)) + `(-[0-9]+)?\.json$`)
	byTime := map[string][]string{} // the time in the name → the names
	var times []string
	for _, e := range ents {
		if g := named.FindStringSubmatch(e.Name()); g != nil {
			if byTime[g[1]] == nil {
				times = append(times, g[1])
			}
			byTime[g[1]] = append(byTime[g[1]], e.Name())
		}
	}
	slices.Sort(times)
	// The newest by the start time each holds: the names give it only to
	// the second, and "…-1.json" sorts before "….json", so the manifests
	// of one second are all read.
	for k := len(times) - 1; k >= 0; k-- {
		var newest *Manifest
		for _, name := range byTime[times[k]] {
			data, err := dir.ReadFile(name, limit)
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
		if newest != nil {
			return sameFiles(*newest, *m)
		}
	}
	return false
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
