package store

import (
	"time"
)

// The JSON shapes of files/FileMetadata, FolderMetadata and DeletedMetadata.
// Routes that return the Metadata union (get_metadata, list_folder,
// delete_v2) add ".tag"; routes that return a FileMetadata or
// FolderMetadata struct (upload, finish, download, create_folder_v2) do not.

// TimeFormat is Dropbox's timestamp format.
const TimeFormat = "2006-01-02T15:04:05Z"

// FileMetadata is files/FileMetadata, as Dropbox writes it.
type FileMetadata struct {
	Tag            string `json:".tag,omitempty"`
	Name           string `json:"name"`
	PathLower      string `json:"path_lower"`
	PathDisplay    string `json:"path_display"`
	ID             string `json:"id"`
	ClientModified string `json:"client_modified"`
	ServerModified string `json:"server_modified"`
	Rev            string `json:"rev"`
	Size           int64  `json:"size"`
	IsDownloadable bool   `json:"is_downloadable"`
	ContentHash    string `json:"content_hash,omitempty"` // empty only in Strict.OmitContentHash
}

// FolderMetadata is files/FolderMetadata.
type FolderMetadata struct {
	Tag         string `json:".tag,omitempty"`
	Name        string `json:"name"`
	PathLower   string `json:"path_lower"`
	PathDisplay string `json:"path_display"`
	ID          string `json:"id"`
}

type deletedMetadata struct {
	Tag         string `json:".tag"`
	Name        string `json:"name"`
	PathLower   string `json:"path_lower"`
	PathDisplay string `json:"path_display"`
}

// fileMeta, folderMeta and taggedMeta answer for n, showing its path as
// shown (Store.shown).
func (n *node) fileMeta(shown string) FileMetadata {
	return FileMetadata{
		Name:           Base(n.display),
		PathLower:      n.lower,
		PathDisplay:    shown,
		ID:             n.id,
		ClientModified: n.clientModified.Format(TimeFormat),
		ServerModified: n.serverModified.Format(TimeFormat),
		Rev:            n.rev,
		Size:           n.size,
		IsDownloadable: true,
		ContentHash:    n.hash,
	}
}

func (n *node) folderMeta(shown string) FolderMetadata {
	return FolderMetadata{Name: Base(n.display), PathLower: n.lower, PathDisplay: shown, ID: n.id}
}

// taggedMeta returns the Metadata union for n.
func (n *node) taggedMeta(shown string) any {
	switch {
	case n.deleted:
		return deletedMetadata{Tag: "deleted", Name: Base(n.display), PathLower: n.lower, PathDisplay: shown}
	case n.folder:
		m := n.folderMeta(shown)
		m.Tag = "folder"
		return m
	default:
		m := n.fileMeta(shown)
		m.Tag = "file"
		return m
	}
}

// FileInfo describes a stored file, for tests and /emulator/files.
type FileInfo struct {
	Path           string    `json:"path_display"`
	PathLower      string    `json:"path_lower"`
	ID             string    `json:"id"`
	Rev            string    `json:"rev"`
	Size           int64     `json:"size"`
	ContentHash    string    `json:"content_hash"`
	ClientModified time.Time `json:"client_modified"`
	ServerModified time.Time `json:"server_modified"`
}

func (n *node) info() FileInfo {
	return FileInfo{
		Path: n.display, PathLower: n.lower, ID: n.id, Rev: n.rev, Size: n.size,
		ContentHash: n.hash, ClientModified: n.clientModified, ServerModified: n.serverModified,
	}
}
