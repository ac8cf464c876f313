package remote

import "time"

// Entry is what Dropbox holds at a path: a file or a folder.
type Entry struct {
	Path   string // path_display
	Size   int64
	Hash   string // content_hash; "" for folders
	Rev    string
	Folder bool
	// Modified is the file's client_modified: the modification time of
	// the file it was uploaded from (push sends the local one); zero when
	// unknown. A hint about which side changed, never a reason to send.
	Modified time.Time
	// Server is the file's server_modified: when Dropbox stored this
	// revision (zero for folders).
	Server time.Time
	// Export is set for a document made in Dropbox's web app (Paper,
	// Google Docs …): Dropbox lists it with "is_downloadable": false and
	// export_info, with no content hash, and refuses to download it
	// (unsupported_file): it can only be exported. Pull leaves it out and
	// verify does not compare it, each with a note.
	Export bool
}

// ExportOnly is the note for a document that can only be exported.
const ExportOnly = "a Dropbox document (Paper, Google Docs …) that Dropbox lets no one download, only export: export it on dropbox.com if you need it"
