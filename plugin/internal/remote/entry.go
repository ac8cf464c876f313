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
}
