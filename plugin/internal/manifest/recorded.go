package manifest

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
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
	// of one second are all read. Each is read as a stream, its records
	// compared with m's as they come (a million files' manifest is not held).
	for k := len(times) - 1; k >= 0; k-- {
		var newest *Manifest
		same := false
		for _, name := range byTime[times[k]] {
			f, err := dir.Open(name, limit)
			if err != nil {
				return false
			}
			old, sameAsOld, err := compare(f, m)
			f.Close()
			if err != nil {
				return false
			}
			if old.Dest != m.Dest || old.Local != m.Local {
				continue // another push that happens to share the slug
			}
			if newest == nil || old.Started.After(newest.Started) {
				newest, same = old, sameAsOld
			}
		}
		if newest != nil {
			return same
		}
	}
	return false
}

// compare reads the manifest in r and returns it without its files,
// and whether it records m's files: the same shared link, as many files,
// and each file of m (none of them failed) in it with the same local path,
// Dropbox path, content hash and revision.
func compare(r io.Reader, m *Manifest) (*Manifest, bool, error) {
	keys := newKeySet(m.Files)
	n := 0
	head, err := decodeStream(r, func(f *report.File) {
		n++
		keys.mark(f)
	})
	if err != nil {
		return nil, false, err
	}
	return head, head.Link == m.Link && n == len(m.Files) && keys.all(), nil
}

// keySet holds the files of a manifest, sorted by what identifies a
// record (key), to find each record of another manifest among them: an
// index and a mark a file, not a map of keys.
type keySet struct {
	files  []report.File
	order  []int32 // indexes of files, sorted by key
	marked []bool  // by index: the file was found
}

func newKeySet(files []report.File) *keySet {
	ks := &keySet{files: files, order: make([]int32, len(files)), marked: make([]bool, len(files))}
	for i := range ks.order {
		ks.order[i] = int32(i)
	}
	slices.SortFunc(ks.order, func(a, b int32) int { return compareKeys(&files[a], &files[b]) })
	return ks
}

// compareKeys orders records by local path, Dropbox path, content hash
// and revision.
func compareKeys(a, b *report.File) int {
	return cmp.Or(strings.Compare(a.Local, b.Local), strings.Compare(a.Dropbox, b.Dropbox),
		strings.Compare(a.Hash, b.Hash), strings.Compare(a.Rev, b.Rev))
}

// mark marks the files with f's key.
func (ks *keySet) mark(f *report.File) {
	i, _ := slices.BinarySearchFunc(ks.order, f, func(j int32, f *report.File) int { return compareKeys(&ks.files[j], f) })
	for ; i < len(ks.order) && compareKeys(&ks.files[ks.order[i]], f) == 0; i++ {
		ks.marked[ks.order[i]] = true
	}
}

// all reports whether every file was marked, and none of them failed.
func (ks *keySet) all() bool {
	for i, f := range ks.files {
		if !ks.marked[i] || f.Status == "failed" {
			return false
		}
	}
	return true
}

// decodeStream reads the manifest in r, calling each with every file's
// record as it comes, and returns the rest. Anything json.Unmarshal would
// not take as a manifest is an error; so is a files field that is not a
// list of records.
func decodeStream(r io.Reader, each func(*report.File)) (*Manifest, error) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	rest := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if !strings.EqualFold(key, "files") {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			rest[key] = v
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil, errors.New("files is not a list")
		}
		for dec.More() {
			var f report.File
			if err := dec.Decode(&f); err != nil {
				return nil, err
			}
			each(&f)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more after the manifest")
	}
	data, err := json.Marshal(rest)
	if err != nil {
		return nil, err
	}
	var head Manifest
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	return &head, nil
}
