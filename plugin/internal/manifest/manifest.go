// Package manifest is the provenance record a push writes into
// .dropbox-post/manifests/: its format (Manifest, Version), writing it
// (Write, never over an earlier one; Recorded, to write none when nothing
// changed) and reading it back (Load), for verify --manifest.
package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// Version is the version of the manifest format.
const Version = 1

// Manifest is the provenance record of one push: which local files were
// posted where, with what content hash and Dropbox revision, and when. It
// lets a researcher show which results a run produced.
type Manifest struct {
	Version  int       `json:"manifest_version"`
	Tool     string    `json:"tool"` // "dropbox-post <version>"
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Local    string    `json:"local"` // absolute local path pushed
	Dest     string    `json:"dest"`
	// Kind is "folder" (its contents went directly under Dest) or "file"
	// (it went to Dest/<name>); "" in manifests written before it was
	// recorded.
	Kind string `json:"kind,omitempty"`
	// Filters are the --exclude, --include and --max-size (and an element's
	// params) the push applied; verify --manifest applies them again.
	Filters []filter.Spec `json:"filters,omitempty"`
	Study   string        `json:"study,omitempty"`   // study directory, for run
	Element int           `json:"element,omitempty"` // config element index, for run
	Link    string        `json:"shared_link,omitempty"`
	Files   []report.File `json:"files"`
}

// Write writes m into dir (created if needed) under a new name
// made of its start time and destination, atomically, and returns its path.
// It never overwrites an earlier manifest. The text is written as it is
// encoded (encodeTo): a million files' records are not held twice.
func Write(dir *statedir.Folder, m *Manifest) (string, error) {
	base := m.Started.UTC().Format(nameTime) + "-" + slug(m.Dest)
	for i := 0; ; i++ {
		name := base + ".json"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.json", base, i)
		}
		err := writeAs(dir, name, m)
		if err == nil {
			return dir.Name(name), nil
		}
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		return "", err
	}
}

// writeAs writes m into dir as name, unless a file is there already.
func writeAs(dir *statedir.Folder, name string, m *Manifest) error {
	f, err := dir.CreateFile(name, 0o644)
	if err != nil {
		return err
	}
	defer f.Abort()
	w := bufio.NewWriter(f)
	if err := encodeTo(w, m); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Commit(false)
}

// nameTime is the layout of the start time in a manifest's name.
const nameTime = "20060102T150405Z"

// encodeTo writes m to w as a manifest file holds it: the text of
// json.MarshalIndent(m, "", "  ") and a newline, made one file's record at
// a time.
func encodeTo(w io.Writer, m *Manifest) error {
	head := *m
	head.Files = []report.File{}
	data, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return err
	}
	// Files is the last field: its records go between the brackets.
	const tail = "[]\n}"
	if !bytes.HasSuffix(data, []byte(tail)) {
		return errors.New("manifest: the files are not the last field")
	}
	if len(m.Files) == 0 {
		_, err := w.Write(append(data, '\n'))
		return err
	}
	if _, err := w.Write(append(data[:len(data)-len(tail)], '[')); err != nil {
		return err
	}
	for i := range m.Files {
		rec, err := json.MarshalIndent(&m.Files[i], "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if i == 0 {
			sep = "\n    "
		}
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(rec); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "\n  ]\n}\n")
	return err
}

// encodedSize returns the size of m's manifest file.
func encodedSize(m *Manifest) (int64, error) {
	var c counter
	err := encodeTo(&c, m)
	return int64(c), err
}

// counter counts the bytes written to it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}

// slug makes a short, file-name-safe name for a Dropbox path.
func slug(dest string) string {
	var b strings.Builder
	for _, r := range strings.Trim(dest, "/") {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		s = "root"
	}
	if len(s) > 40 {
		sum := sha256.Sum256([]byte(dest))
		s = s[:31] + "-" + hex.EncodeToString(sum[:4])
	}
	return s
}
