package remote

import "time"

// Entry is what Dropbox holds at a path: a file or a folder. A listing
// keeps one a file, a million for a large study: its times are Stamps, and
// its flags come last, so that it takes 80 bytes (it took 120, with two
// time.Time of 24).
type Entry struct {
	Path string // path_display
	Size int64
	Hash string // content_hash; "" for folders
	Rev  string
	// Modified is the file's client_modified: the modification time of
	// the file it was uploaded from (push sends the local one); zero when
	// unknown. A hint about which side changed, never a reason to send.
	Modified Stamp
	// Server is the file's server_modified: when Dropbox stored this
	// revision (zero for folders).
	Server Stamp
	Folder bool
	// Export is set for a document made in Dropbox's web app (Paper,
	// Google Docs …): Dropbox lists it with "is_downloadable": false and
	// export_info, with no content hash, and refuses to download it
	// (unsupported_file): it can only be exported. Pull leaves it out and
	// verify does not compare it, each with a note.
	Export bool
}

// Stamp is a time as Dropbox lists it, in whole seconds (the API's
// timestamps have none smaller), in 8 bytes. The zero Stamp is no time.
type Stamp int64

// stampBase is added to a time's Unix seconds, so that no time, 1970
// included, is the zero Stamp.
const stampBase = 1 << 62

// StampOf returns t as a Stamp (its fraction of a second dropped).
func StampOf(t time.Time) Stamp {
	if t.IsZero() {
		return 0
	}
	return Stamp(t.Unix() + stampBase)
}

// Time returns the time, in UTC; the zero time for the zero Stamp.
func (s Stamp) Time() time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s)-stampBase, 0).UTC()
}

// IsZero reports whether s is no time.
func (s Stamp) IsZero() bool { return s == 0 }

// ExportOnly is the note for a document that can only be exported.
const ExportOnly = "a Dropbox document (Paper, Google Docs …) that Dropbox lets no one download, only export: export it on dropbox.com if you need it"
