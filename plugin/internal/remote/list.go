// Package remote says what Dropbox holds: Entry, one file or folder as
// Dropbox lists it, and the listings that read them (List, ListParts,
// Stat, ForTree).
// Push, pull and verify compare local files with these entries; plan
// decides with them.
package remote

import (
	"context"
	"errors"
	"fmt"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// listLimit is the page size asked of list_folder (Dropbox's maximum).
var listLimit uint32 = 2000 // a variable so that tests can page with a few files

// maxListResets is how many times a listing is started again after
// list_folder/continue answered reset before List gives up.
const maxListResets = 3

// List returns everything under the Dropbox folder dest, recursively, keyed
// by dpath.Key of the path: one list_folder call, then list_folder/continue
// per page. A missing folder is empty; a file at dest is an error. When
// Dropbox answers reset (the cursor went stale, which it may do at any
// time), the listing starts again from the beginning, a few times at most.
func List(ctx context.Context, c files.ContextClient, dest string) (map[string]Entry, error) {
	return ListSeen(ctx, c, dest, nil)
}

// ListSeen is List, calling seen (if not nil) with the number of entries
// of each page as it arrives, for a running count (which counts again
// after a reset).
func ListSeen(ctx context.Context, c files.ContextClient, dest string, seen func(n int)) (map[string]Entry, error) {
	return listFolder(ctx, c, dest, true, counted(seen))
}

// ListPages is List, calling page (if not nil) with the entries of each
// page once it is checked, as it arrives, so that the caller can start on
// them while the listing goes on; after a reset, entries come again. The
// slice is reused for the next page.
func ListPages(ctx context.Context, c files.ContextClient, dest string, page func([]Entry)) (map[string]Entry, error) {
	return listFolder(ctx, c, dest, true, page)
}

// counted turns a running count (seen, nil for none) into a page callback.
func counted(seen func(n int)) func([]Entry) {
	if seen == nil {
		return nil
	}
	return func(page []Entry) { seen(len(page)) }
}

// listFolder is ListPages, recursive or only the folder's own entries.
func listFolder(ctx context.Context, c files.ContextClient, dest string, recursive bool, page func([]Entry)) (map[string]Entry, error) {
	return listFolderAs(ctx, c, dest, recursive, false, page)
}

// listFolderAs is listFolder; for a part of a listing (ListParts), a
// folder that is not there as a folder, or cannot be, lists nothing.
func listFolderAs(ctx context.Context, c files.ContextClient, dest string, recursive, part bool, page func([]Entry)) (map[string]Entry, error) {
	for resets := 0; ; resets++ {
		out, err := list(ctx, c, dest, recursive, part, page)
		if !errors.Is(err, errReset) {
			return out, err
		}
		if resets == maxListResets {
			return nil, exit.New(exit.Dropbox, fmt.Sprintf("listing %s: Dropbox reset the listing %d times in a row", dpath.Quote(dest), resets+1),
				"try again later")
		}
	}
}

// errReset is list_folder/continue's reset answer.
var errReset = errors.New("list_folder/continue answered reset")

func list(ctx context.Context, c files.ContextClient, dest string, recursive, part bool, page func([]Entry)) (map[string]Entry, error) {
	arg := files.NewListFolderArg(dpath.NFC(dest)) // Dropbox finds only the NFC form
	arg.Recursive = recursive
	arg.Limit = listLimit
	a := newAhead(ctx, c)
	defer a.stop()
	res, err := a.first(arg)
	if err != nil {
		switch {
		case dbx.HasTag(err, "not_found"),
			part && (dbx.HasTag(err, "not_folder") || dbx.HasTag(err, "malformed_path")):
			return map[string]Entry{}, nil
		case dbx.HasTag(err, "not_folder"):
			return nil, exit.New(exit.Usage, fmt.Sprintf("%s is a file on Dropbox, not a folder", dpath.Quote(dest)), "give a folder as the destination")
		}
		return nil, dbx.Explain(err, "listing "+dpath.Quote(dest))
	}
	l := newListing("listing " + dpath.Quote(dest))
	for {
		if err := l.page(res); err != nil {
			return nil, err
		}
		if page != nil {
			page(l.fresh)
		}
		l.fresh = l.fresh[:0]
		if !res.HasMore {
			return l.out, nil
		}
		res, err = a.next(res.Cursor)
		if dbx.HasTag(err, files.ListFolderContinueErrorReset) {
			return nil, errReset
		}
		if err != nil {
			return nil, dbx.Explain(err, "listing "+dpath.Quote(dest))
		}
	}
}

// ForTree returns what Dropbox holds where tree goes under dest: the whole
// folder dest (List) when tree is a folder, only dest/<name> (Stat) when it
// is a single file.
func ForTree(ctx context.Context, c files.ContextClient, tree *local.Tree, dest string) (map[string]Entry, error) {
	return ForTreeSeen(ctx, c, tree, dest, nil)
}

// ForTreeSeen is ForTree, with ListSeen's running count.
func ForTreeSeen(ctx context.Context, c files.ContextClient, tree *local.Tree, dest string, seen func(n int)) (map[string]Entry, error) {
	if tree.IsDir {
		return ListSeen(ctx, c, dest, seen)
	}
	return Stat(ctx, c, dpath.Join(dest, tree.Files[0].Rel))
}

// Stat returns what Dropbox holds at path, keyed as List does: an empty map
// when nothing is there. A single-file push uses it instead of listing a
// folder that may hold thousands of other files.
func Stat(ctx context.Context, c files.ContextClient, path string) (map[string]Entry, error) {
	md, err := c.GetMetadataContext(ctx, files.NewGetMetadataArg(dpath.NFC(path))) // Dropbox finds only the NFC form
	if err != nil {
		if dbx.HasTag(err, "not_found") {
			return map[string]Entry{}, nil
		}
		return nil, dbx.Explain(err, "looking up "+dpath.Quote(path))
	}
	l := newListing("looking up " + dpath.Quote(path))
	if err := l.add(md); err != nil {
		return nil, err
	}
	return l.out, nil
}
