// Package verify checks what is on Dropbox: whether a local file or folder
// and a Dropbox folder hold the same content (Compare), or whether Dropbox
// still holds what a manifest recorded (CheckManifest). It changes
// nothing, locally or on Dropbox.
package verify

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// Entry is one file (or empty local folder) that is not the same on both
// sides.
type Entry struct {
	Path       string `json:"path"`    // below LOCAL and DEST, "/"-separated
	Dropbox    string `json:"dropbox"` // Dropbox path
	LocalSize  int64  `json:"local_size,omitempty"`
	RemoteSize int64  `json:"dropbox_size,omitempty"`
	Reason     string `json:"reason"`
	// Changed says, for a file that differs, which side seems to have
	// changed since Dropbox's copy was uploaded: "here" (the local file is
	// newer than the one Dropbox's copy came from), "dropbox" (Dropbox's
	// copy came from a newer file), or "" when the times do not tell.
	Changed string `json:"changed,omitempty"`
}

// Result is what Compare found. Its lists are sorted by Path and never nil.
type Result struct {
	Local     string        `json:"local"`
	Dest      string        `json:"dest"`
	Matched   int           `json:"matched"`   // files with the same content on both sides
	Missing   []Entry       `json:"missing"`   // local only
	Extra     []Entry       `json:"extra"`     // Dropbox only
	Different []Entry       `json:"different"` // on both sides, different content
	LeftOut   []report.Note `json:"left_out,omitempty"`
	Filtered  int           `json:"left_out_by_filters,omitempty"` // both sides
	// Manifest is the manifest checked by CheckManifest ("" for Compare):
	// then Missing means vanished, Different changed, Extra appeared.
	Manifest string `json:"manifest,omitempty"`
}

// Match reports whether both sides hold exactly the same files.
func (r *Result) Match() bool { return r.Complete() && len(r.Extra) == 0 }

// Complete reports whether everything local is on Dropbox with the same
// content; files only on Dropbox are allowed. This is what a push with
// --verify checks.
func (r *Result) Complete() bool { return len(r.Missing) == 0 && len(r.Different) == 0 }

// noHash is why a file Dropbox lists without a content hash (optional in
// the spec) is reported as different: nothing can show it is the same.
const noHash = "Dropbox listed no content hash: the content could not be compared"

// Compare compares the local file or folder at localPath with the Dropbox
// folder dest (a cleaned path) as push would post it: a folder's contents
// directly under dest, a file at dest/<name>. Local files are found with the
// same rules as push (local.ScanWith with o: which links are followed;
// ignored names and .dropbox-post are left out) and compared by Dropbox
// content hash; a file whose size differs is not hashed. A missing dest is
// an empty one.
//
// Files o.Filter leaves out are left out on both sides: a Dropbox file it
// does not pass is not "only on Dropbox".
func Compare(ctx context.Context, c *dbx.Client, localPath, dest string, o local.Options) (*Result, error) {
	tree, err := local.ScanWith(localPath, o)
	if err != nil {
		return nil, local.Explain(err, localPath)
	}
	defer tree.Close() // files are read through the folder the scan holds open

	if !tree.IsDir && len(tree.Files) == 0 { // the one file was left out by the filters, or its name refused
		res := CompareTree(tree, dest, map[string]remote.Entry{})
		res.Local = localPath
		return res, nil
	}
	held, err := remote.ForTree(ctx, c.Files, tree, dest)
	if err != nil {
		return nil, err
	}
	if err := local.HashAll(ctx, plan.NeedHash(tree, dest, held), 0, nil); err != nil {
		if ctx.Err() != nil {
			return nil, dbx.Explain(ctx.Err(), "verifying "+strconv.Quote(localPath))
		}
		return nil, exit.Wrap(exit.Local, err, err.Error(), "")
	}
	res := CompareTree(tree, dest, held)
	res.Local = localPath
	return res, nil
}

// CompareTree makes the Result from both sides; it makes no calls. Every
// file that Dropbox holds at the same size must be hashed (push has hashed
// them by the time it is done).
func CompareTree(tree *local.Tree, dest string, held map[string]remote.Entry) *Result {
	res := &Result{Dest: dest, Missing: []Entry{}, Extra: []Entry{}, Different: []Entry{}, Filtered: tree.Filtered}
	seen := map[string]bool{} // remote keys accounted for
	invalid := map[string]string{}
	for _, n := range slices.Concat(tree.Invalid, tree.Twins) {
		invalid[n.Rel] = "cannot be stored on Dropbox: " + n.Reason
	}
	for _, f := range tree.Files {
		d := dpath.Join(dest, f.Rel)
		r, ok := held[dpath.Key(d)]
		e := Entry{Path: f.Rel, Dropbox: d, LocalSize: f.Size, RemoteSize: r.Size}
		if why := invalid[f.Rel]; why != "" { // a twin
			delete(invalid, f.Rel)
			e.RemoteSize, e.Reason = 0, why
			res.Missing = append(res.Missing, e)
			continue
		}
		seen[dpath.Key(d)] = ok
		switch {
		case !ok:
			e.Reason = "not on Dropbox"
			res.Missing = append(res.Missing, e)
		case r.Folder:
			e.RemoteSize, e.Reason = 0, "a folder on Dropbox, a file here"
			res.Different = append(res.Different, e)
		case r.Export:
			e.Reason = "not comparable: on Dropbox, " + remote.ExportOnly
			res.Different = append(res.Different, e)
		case r.Size != f.Size:
			e.Reason = report.SizeDiffers(f.Size, r.Size)
			e.Changed = changedSide(f.ModTime, r.Modified.Time())
			res.Different = append(res.Different, e)
		case r.Hash == "":
			e.Reason = noHash
			res.Different = append(res.Different, e)
		case r.Hash != f.Hash:
			e.Reason = "content differs (same size)"
			e.Changed = changedSide(f.ModTime, r.Modified.Time())
			res.Different = append(res.Different, e)
		default:
			res.Matched++
		}
	}
	for rel, why := range invalid { // files and folders left out by the scan
		res.Missing = append(res.Missing, Entry{Path: rel, Dropbox: dpath.Join(dest, rel), Reason: why})
	}
	for _, dir := range tree.EmptyDirs {
		d := dpath.Join(dest, dir)
		r, ok := held[dpath.Key(d)]
		seen[dpath.Key(d)] = ok
		switch {
		case !ok:
			res.Missing = append(res.Missing, Entry{Path: dir, Dropbox: d, Reason: "empty folder not on Dropbox"})
		case !r.Folder:
			res.Different = append(res.Different, Entry{Path: dir, Dropbox: d, RemoteSize: r.Size, Reason: "a file on Dropbox, a folder here"})
		}
	}
	var documents []report.Note
	for key, r := range held {
		if !seen[key] && r.Export && !remoteFiltered(tree, dest, r, res) {
			// Only on Dropbox, and not comparable: a note, not a
			// difference (pull leaves it out too).
			documents = append(documents, report.Note{Local: r.Path, Reason: "not compared: " + remote.ExportOnly})
			continue
		}
		if !seen[key] && !r.Folder && !remoteFiltered(tree, dest, r, res) {
			res.Extra = append(res.Extra, Entry{Path: relative(dest, r.Path), Dropbox: r.Path, RemoteSize: r.Size, Reason: "only on Dropbox"})
		}
	}
	for _, n := range tree.Skipped {
		res.LeftOut = append(res.LeftOut, report.Note{Local: n.Rel, Reason: n.Reason})
	}
	sort.Slice(documents, func(i, j int) bool { return documents[i].Local < documents[j].Local })
	res.LeftOut = append(res.LeftOut, documents...)
	for _, l := range [][]Entry{res.Missing, res.Extra, res.Different} {
		sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
	}
	return res
}

// remoteFiltered reports (and counts in res) whether the filter of the
// tree leaves the Dropbox file r out. A single file's tree compares only
// its own name: nothing else under dest is "only on Dropbox" because of it.
func remoteFiltered(tree *local.Tree, dest string, r remote.Entry, res *Result) bool {
	if !tree.Filter.Active() || !tree.IsDir {
		return false
	}
	if tree.Filter.File(relative(dest, r.Path), r.Size) {
		return false
	}
	res.Filtered++
	return true
}

// relative returns p (a Dropbox path below dest) relative to dest. Only
// the last names of path_display are sure to have the right case, so the
// number of names decides, not the text.
func relative(dest, p string) string {
	names := strings.Split(p, "/")[1:]
	n := 0
	if dest != "" {
		n = strings.Count(dest, "/")
	}
	if n >= len(names) {
		return dpath.Base(p)
	}
	return strings.Join(names[n:], "/")
}
