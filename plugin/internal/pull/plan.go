package pull

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// What happens to one remote file.
const (
	actDownload  = "download"  // not here yet
	actReplace   = "replace"   // differs here, --overwrite
	actUnchanged = "unchanged" // same content here
	actKept      = "kept"      // differs here, left alone
	actConflict  = "conflict"  // cannot be written: a folder is in the way…
)

// job is one remote file and what to do with it.
type job struct {
	rel    string // below the local folder, "/"-separated
	remote remote.Entry
	action string
	reason string
	meta   *files.FileMetadata // what was downloaded
	err    error               // why the download failed
	// refused says why Dropbox will not let the file be downloaded by
	// anyone (not a failure: running again cannot help).
	refused string
}

// listing is what Dropbox holds at the remote path, placed below the local
// folder.
type listing struct {
	jobs    []*job   // files, sorted by rel
	folders []string // every folder below remote, "/"-separated
	leftOut []report.Note
}

// list reads from (a Dropbox file or folder) and places its entries. Names
// that cannot be stored here, and paths that would land outside the local
// folder, stop the pull before anything is written. listingStarts is called
// when a folder is about to be listed (for the progress line).
func list(ctx context.Context, c *dbx.Client, from string, listingStarts func(), seen func(n int)) (*listing, error) {
	h, err := remote.Look(ctx, c.Files, from, remote.LookOptions{Recursive: true, Listing: listingStarts, Seen: seen})
	if err != nil {
		return nil, err
	}
	l := &listing{}
	var refused []report.Note
	for _, r := range h.Entries {
		rel, err := relPath(h, r) // a file lands at LOCAL/<name>
		switch {
		case err != nil:
			refused = append(refused, report.Note{Local: r.Path, Reason: err.Error()})
		case !r.Folder && local.IsPullTemp(dpath.Base(rel)):
			l.leftOut = append(l.leftOut, report.Note{Local: r.Path, Reason: "named as dropbox-post pull's temporary files are, which a pull removes: never pulled"})
		case leftOut(rel):
			if dpath.Base(rel) == local.StateDir { // said once, for the folder
				l.leftOut = append(l.leftOut, report.Note{Local: r.Path, Reason: "dropbox-post's own folder (" + local.StateDir + ") is never pulled over"})
			}
		case r.Folder:
			l.folders = append(l.folders, rel)
		case r.Export:
			l.leftOut = append(l.leftOut, report.Note{Local: r.Path, Reason: remote.ExportOnly})
		default:
			l.jobs = append(l.jobs, &job{rel: rel, remote: r})
		}
	}
	if len(refused) > 0 {
		return nil, refusedNames(refused)
	}
	sort.Slice(l.jobs, func(i, j int) bool { return l.jobs[i].rel < l.jobs[j].rel })
	sort.Strings(l.folders)
	sort.Slice(l.leftOut, func(i, j int) bool { return l.leftOut[i].Local < l.leftOut[j].Local })
	return l, nil
}

// refusedNames reports the paths that cannot be pulled here.
func refusedNames(notes []report.Note) error {
	sort.Slice(notes, func(i, j int) bool { return notes[i].Local < notes[j].Local })
	return exit.New(exit.Local, fmt.Sprintf("%d Dropbox path(s) cannot be stored here (%s)", len(notes), report.Brief(notes)),
		"rename them on Dropbox, or pull the folders around them; nothing was downloaded")
}

// decide compares each job with what the local folder holds (root is nil
// when the folder does not exist yet) and sets its action. Files of the
// same size are hashed; the content hash decides.
func decide(ctx context.Context, root *os.Root, dir string, jobs []*job, overwrite bool) error {
	var hash []*local.File
	byFile := map[*local.File]*job{}
	for _, j := range jobs {
		j.action, j.reason = actDownload, "new"
		if root == nil {
			continue
		}
		fi, err := root.Lstat(filepath.FromSlash(j.rel))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			j.action, j.reason = actConflict, "cannot be written here: "+cause(err)
		case fi.IsDir():
			j.action, j.reason = actConflict, "a folder is in the way here"
		case !fi.Mode().IsRegular():
			j.action, j.reason = differs(overwrite), "not a regular file (a link or a special file)"
		case fi.Size() != j.remote.Size:
			j.action, j.reason = differs(overwrite), report.SizeDiffers(fi.Size(), j.remote.Size)
		case j.remote.Hash == "":
			// The spec makes content_hash optional in listings.
			j.action, j.reason = differs(overwrite), plan.NoHash
		default:
			f := &local.File{Rel: j.rel, Path: filepath.Join(dir, filepath.FromSlash(j.rel)), Size: fi.Size()}
			hash = append(hash, f)
			byFile[f] = j
		}
	}
	if err := local.HashAll(ctx, hash, 0, nil); err != nil {
		if ctx.Err() != nil {
			return dbx.Explain(ctx.Err(), "comparing local files")
		}
		return exit.Wrap(exit.Local, err, err.Error(), "")
	}
	for f, j := range byFile {
		if f.Hash == j.remote.Hash {
			j.action, j.reason = actUnchanged, "same content"
		} else {
			j.action, j.reason = differs(overwrite), "content differs"
		}
	}
	return nil
}

func differs(overwrite bool) string {
	if overwrite {
		return actReplace
	}
	return actKept
}

// cause returns the reason of a file system error without the paths.
func cause(err error) string {
	for {
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			return err.Error()
		}
		err = pe.Err
	}
}
