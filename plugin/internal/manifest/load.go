package manifest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// MaxSize is the most a manifest may hold to be read: a manifest of a
// million files is about 300 MiB. A larger one is refused unread.
const MaxSize = 512 << 20

// Load reads a manifest that push or run wrote. It must be a regular file,
// not a symbolic link (a manifest may sit in a study's .dropbox-post, which
// comes with the study), of at most MaxSize bytes: anything else is refused
// before it is read (a FIFO without waiting on it). It must hold a manifest
// of a version this program knows, with a valid destination.
func Load(path string) (*Manifest, error) {
	data, err := statedir.ReadFileAt(path, MaxSize)
	bad := func(why string) error {
		return exit.New(exit.Usage, fmt.Sprintf("%q is not a manifest dropbox-post can read: %s", path, why), "give a manifest that push or run wrote (.dropbox-post/manifests/*.json)")
	}
	var nr *regularfile.NotRegularError
	var big *statedir.TooLargeError
	switch {
	case errors.As(err, &big):
		return nil, bad(fmt.Sprintf("larger than %d MiB", MaxSize>>20))
	case errors.As(err, &nr):
		return nil, exit.New(exit.Local, fmt.Sprintf("manifest %q: %v", path, nr), "give a manifest file (.dropbox-post/manifests/*.json)")
	case errors.Is(err, statedir.ErrLink):
		return nil, exit.New(exit.Local, fmt.Sprintf("manifest %q: %v", path, statedir.ErrLink), "give the manifest file itself, not a link to it")
	case err != nil:
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("manifest %q cannot be read: %v", path, errors.Unwrap(err)), "check the file name")
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
