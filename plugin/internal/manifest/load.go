package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// MaxSize bounds what Load reads: a manifest of a million
// files is about 300 MiB.
const MaxSize = 512 << 20

// Load reads a manifest that push or run wrote. It must be a
// regular file (a FIFO is refused without waiting on it) holding a
// manifest of a version this program knows, with a valid destination.
func Load(path string) (*Manifest, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		var nr *regularfile.NotRegularError
		if errors.As(err, &nr) {
			return nil, exit.New(exit.Local, fmt.Sprintf("manifest %q: %v", path, nr), "give a manifest file (.dropbox-post/manifests/*.json)")
		}
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("manifest %q cannot be read: %v", path, errors.Unwrap(err)), "check the file name")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("manifest %q cannot be read: %v", path, err), "")
	}
	bad := func(why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%q is not a manifest dropbox-post can read: %s", path, why), "give a manifest that push or run wrote (.dropbox-post/manifests/*.json)")
	}
	if len(data) > MaxSize {
		return nil, bad(fmt.Sprintf("larger than %d MiB", MaxSize>>20))
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, bad(err.Error())
	}
	switch {
	case m.Version != Version:
		return nil, bad(fmt.Sprintf("manifest_version %d (this program reads %d)", m.Version, Version))
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
