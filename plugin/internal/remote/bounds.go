package remote

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A listing comes from a server that may not be Dropbox (a wrong
// --api-url, or something in between): what it claims is checked as it
// arrives, so that a hostile answer costs bounded time and memory, and
// two entries are never merged into one.

// MaxFileSize is the largest size a file on Dropbox may claim: 16 TiB,
// far beyond what Dropbox stores (its API's uploads stop at 350 GB). A
// larger claim is refused before anything is allocated or created for it.
const MaxFileSize int64 = 1 << 44

// maxTotalSize bounds the sizes of a listing's files added up (1 EiB, more
// than any Dropbox account holds), so that no sum of them overflows.
var maxTotalSize int64 = 1 << 60 // a variable so that tests can shrink it

// What one listing may take. maxEntries bounds its memory (about 330 MB
// a million entries), at more than six times the largest study measured
// (300,000 files). Dropbox fills its pages with up to 2000 entries; a page
// may hold fewer, or none, but a listing that averages fewer than
// entriesPerPage entries a page beyond its first pageSlack pages never ends
// in practice. Variables so that tests can shrink them.
var (
	maxEntries     int64 = 2_000_000
	pageSlack      int64 = 1000
	entriesPerPage int64 = 10
)

// tooManyEntries is the error of a listing (doing: "listing \"/a\"")
// that went past maxEntries.
func tooManyEntries(doing string) error {
	return exit.New(exit.Usage, fmt.Sprintf("%s: the server listed more than %d entries, more than dropbox-post lists at once", doing, maxEntries),
		"give a folder below it; if the folder is not that large, the server is not Dropbox (check --api-url or DROPBOX_API_URL if set)")
}

// listing gathers the entries of one listing (or one Stat), keyed by
// dpath.Key of their path.
type listing struct {
	doing   string // for messages: "listing \"/a\""
	out     map[string]Entry
	cursors map[[sha256.Size]byte]bool // every cursor given, hashed
	pages   int64
	entries int64   // as listed, counting repeats
	total   int64   // bytes of the files, counting repeats
	fresh   []Entry // what the page being taken added
}

func newListing(doing string) *listing {
	return &listing{doing: doing, out: map[string]Entry{}, cursors: map[[sha256.Size]byte]bool{}}
}

// page takes one page of list_folder or list_folder/continue.
func (l *listing) page(res *files.ListFolderResult) error {
	l.pages++
	l.entries += int64(len(res.Entries))
	if l.entries > maxEntries {
		return tooManyEntries(l.doing)
	}
	for _, m := range res.Entries {
		if err := l.add(m); err != nil {
			return err
		}
	}
	switch {
	case !res.HasMore:
		return nil
	case l.pages > pageSlack+l.entries/entriesPerPage:
		return dbx.Unexpected(fmt.Sprintf("%s: the server gave %d pages for %d entries, and said there were more", l.doing, l.pages, l.entries))
	case res.Cursor == "":
		return dbx.Unexpected(fmt.Sprintf("%s: the server said there was more, but gave no cursor to ask for it", l.doing))
	}
	k := sha256.Sum256([]byte(res.Cursor))
	if l.cursors[k] {
		return dbx.Unexpected(fmt.Sprintf("%s: the server gave the same cursor again after %d pages: the listing would never end", l.doing, l.pages))
	}
	l.cursors[k] = true
	return nil
}

// add takes one entry. An entry whose path Dropbox holds to be the same as
// an earlier one's (by dpath.Key) is the same entry again, changed while
// the listing went on, if its name is the same; with another name, the
// two clash and neither is taken.
func (l *listing) add(m files.IsMetadata) error {
	var e Entry
	switch m := m.(type) {
	case *files.FileMetadata:
		if m.Size > uint64(MaxFileSize) {
			return dbx.Unexpected(fmt.Sprintf("%s: the server says %s holds %d bytes, more than any file on Dropbox (at most %d)",
				l.doing, dpath.Quote(m.PathDisplay), m.Size, MaxFileSize))
		}
		e = Entry{Path: m.PathDisplay, Size: int64(m.Size), Hash: m.ContentHash, Rev: m.Rev,
			Modified: StampOf(time.Time(m.ClientModified)), Server: StampOf(time.Time(m.ServerModified)),
			// is_downloadable defaults to true: a server that leaves it
			// out means a plain file. The spec sets export_info whenever
			// it is false.
			Export: !m.IsDownloadable && m.ExportInfo != nil}
	case *files.FolderMetadata:
		e = Entry{Path: m.PathDisplay, Folder: true}
	default: // deleted entries
		return nil
	}
	if l.total += e.Size; l.total > maxTotalSize {
		return dbx.Unexpected(fmt.Sprintf("%s: the server's files add up to more than %d bytes, more than any Dropbox account holds", l.doing, maxTotalSize))
	}
	key := dpath.Key(e.Path)
	if old, ok := l.out[key]; ok && dpath.Base(old.Path) != dpath.Base(e.Path) {
		return exit.New(exit.Protocol,
			fmt.Sprintf("%s: the server listed both %s and %s, one name to dropbox-post (which compares names as Dropbox does, without regard to case or Unicode normalisation): neither was used", l.doing, dpath.Quote(old.Path), dpath.Quote(e.Path)),
			"if one of them was renamed while the listing went on, run again; Dropbox itself holds both only when they differ in a letter whose lower case Unicode added after version 4.1 (as Ꙋ and ꙋ): rename one of them on Dropbox; if neither, the server is not Dropbox (check --api-url or DROPBOX_API_URL if set)")
	}
	l.out[key] = e
	l.fresh = append(l.fresh, e)
	return nil
}
