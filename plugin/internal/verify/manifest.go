package verify

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// checked reports whether a manifest's file is one Dropbox should still
// hold as recorded: uploaded, or found unchanged. A kept file's hash is
// the local one (Dropbox's version was kept), and a failed or unconfirmed
// one may or may not be there: they are known, not checked.
func checked(f report.File) bool { return f.Status == "uploaded" || f.Status == "unchanged" }

// CheckManifest checks that Dropbox still holds every file the manifest at
// path (read by manifest.Load) records as posted, with the same content
// hash. In the Result, Missing lists the files that vanished, Different
// those that changed, and Extra those that appeared under the manifest's
// destination since (for a folder push; files the manifest's filters leave
// out, and files it lists in any state, do not count). No local file is
// read.
func CheckManifest(ctx context.Context, c *dbx.Client, path string, m *manifest.Manifest) (*Result, error) {
	f, err := filter.New(m.Filters...)
	if err != nil {
		return nil, exit.New(exit.Usage, fmt.Sprintf("manifest %q: its filters: %v", path, err), "")
	}
	res := &Result{Local: path, Dest: m.Dest, Manifest: path, Missing: []Entry{}, Extra: []Entry{}, Different: []Entry{}}
	folder := m.Kind == "folder" || m.Kind == "" && !singleFile(m)
	var held map[string]remote.Entry
	if folder {
		if held, err = remote.List(ctx, c.Files, m.Dest); err != nil {
			return nil, err
		}
	} else {
		held = map[string]remote.Entry{}
		for _, mf := range m.Files {
			one, err := remote.Stat(ctx, c.Files, mf.Dropbox)
			if err != nil {
				return nil, err
			}
			for k, v := range one {
				held[k] = v
			}
		}
	}
	known := map[string]bool{}
	for _, mf := range m.Files {
		key := dpath.Key(mf.Dropbox)
		known[key] = true
		if !checked(mf) {
			continue
		}
		r, ok := held[key]
		e := Entry{Path: relative(m.Dest, mf.Dropbox), Dropbox: mf.Dropbox, LocalSize: mf.Size, RemoteSize: r.Size}
		switch {
		case !ok:
			e.Reason = "no longer on Dropbox"
			res.Missing = append(res.Missing, e)
		case r.Folder:
			e.RemoteSize, e.Reason = 0, "now a folder on Dropbox"
			res.Different = append(res.Different, e)
		case mf.Hash != "" && r.Hash == "" && r.Size == mf.Size:
			e.Reason = noHash
			res.Different = append(res.Different, e)
		case mf.Hash == "" && r.Size != mf.Size, mf.Hash != "" && r.Hash != mf.Hash:
			e.Reason = fmt.Sprintf("content differs (%s recorded, %s on Dropbox)", report.Bytes(mf.Size), report.Bytes(r.Size))
			res.Different = append(res.Different, e)
		default:
			res.Matched++
		}
	}
	for key, r := range held {
		if known[key] || r.Folder || !folder {
			continue
		}
		rel := relative(m.Dest, r.Path)
		if !f.File(rel, r.Size) {
			res.Filtered++
			continue
		}
		res.Extra = append(res.Extra, Entry{Path: rel, Dropbox: r.Path, RemoteSize: r.Size, Reason: "not in the manifest"})
	}
	for _, l := range [][]Entry{res.Missing, res.Extra, res.Different} {
		sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
	}
	return res, nil
}

// singleFile guesses, for a manifest written before Kind was recorded,
// whether it records the push of one file: one file, named as the local
// path, directly under the destination.
func singleFile(m *manifest.Manifest) bool {
	return len(m.Files) == 1 && m.Files[0].Local == filepath.Base(m.Local) && dpath.Key(m.Files[0].Dropbox) == dpath.Key(dpath.Join(m.Dest, m.Files[0].Local))
}
