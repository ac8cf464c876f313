package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// MaxManifestSize bounds what LoadManifest reads: a manifest of a million
// files is about 300 MiB.
const MaxManifestSize = 512 << 20

// LoadManifest reads a manifest that push or run wrote. It must be a
// regular file (a FIFO is refused without waiting on it) holding a
// manifest of a version this program knows, with a valid destination.
func LoadManifest(path string) (*report.Manifest, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		var nr *regularfile.NotRegularError
		if errors.As(err, &nr) {
			return nil, exit.New(exit.Local, fmt.Sprintf("manifest %q: %v", path, nr), "give a manifest file (.dropbox-post/manifests/*.json)")
		}
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("manifest %q cannot be read: %v", path, errors.Unwrap(err)), "check the file name")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxManifestSize+1))
	if err != nil {
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("manifest %q cannot be read: %v", path, err), "")
	}
	bad := func(why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%q is not a manifest dropbox-post can read: %s", path, why), "give a manifest that push or run wrote (.dropbox-post/manifests/*.json)")
	}
	if len(data) > MaxManifestSize {
		return nil, bad(fmt.Sprintf("larger than %d MiB", MaxManifestSize>>20))
	}
	var m report.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, bad(err.Error())
	}
	switch {
	case m.Version != report.ManifestVersion:
		return nil, bad(fmt.Sprintf("manifest_version %d (this program reads %d)", m.Version, report.ManifestVersion))
	case m.Kind != "" && m.Kind != "file" && m.Kind != "folder":
		return nil, bad(fmt.Sprintf("kind %q", m.Kind))
	}
	if d, err := dpath.Clean(m.Dest); err != nil || d != m.Dest {
		return nil, bad(fmt.Sprintf("dest %q is not a clean Dropbox path", m.Dest))
	}
	for _, f := range m.Files {
		if d, err := dpath.Clean(f.Dropbox); err != nil || d != f.Dropbox || !dpath.Within(d, m.Dest) {
			return nil, bad(fmt.Sprintf("file %q is not a Dropbox path under %s", f.Dropbox, dpath.Quote(m.Dest)))
		}
	}
	return &m, nil
}

// checked reports whether a manifest's file is one Dropbox should still
// hold as recorded: uploaded, or found unchanged. A kept file's hash is
// the local one (Dropbox's version was kept), and a failed or unconfirmed
// one may or may not be there: they are known, not checked.
func checked(f report.File) bool { return f.Status == "uploaded" || f.Status == "unchanged" }

// CheckManifest checks that Dropbox still holds every file the manifest at
// path (read by LoadManifest) records as posted, with the same content
// hash. In the Result, Missing lists the files that vanished, Different
// those that changed, and Extra those that appeared under the manifest's
// destination since (for a folder push; files the manifest's filters leave
// out, and files it lists in any state, do not count). No local file is
// read.
func CheckManifest(ctx context.Context, c *dbx.Client, path string, m *report.Manifest) (*Result, error) {
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
		key := dpath.Lower(mf.Dropbox)
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
func singleFile(m *report.Manifest) bool {
	return len(m.Files) == 1 && m.Files[0].Local == filepath.Base(m.Local) && m.Files[0].Dropbox == dpath.Join(m.Dest, m.Files[0].Local)
}
