package pull

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// maxLocalName is the longest name, in bytes, that common local file
// systems store (NAME_MAX on ext4, APFS, NTFS in UTF-16 units is more).
// Dropbox counts characters, so a name it accepts can be too long here.
const maxLocalName = 255

// relPath returns where the Dropbox entry e, found below h.Base, goes
// below the local folder, "/"-separated: below the place of its folder,
// under its own name (remote.Held.RelOf). Only the last names of a
// path_display are sure to have the right case, so a folder that Dropbox
// shows in two cases is one folder here. It refuses, as defence in depth, a
// path that is not below h.Base and any name that could not be a plain
// local file name (which would write elsewhere).
func relPath(h *remote.Held, e remote.Entry) (string, error) {
	rel, ok := h.RelOf(e)
	if !ok || !strings.HasPrefix(e.Path, "/") {
		if dpath.Key(e.Path) == dpath.Key(h.Base) {
			return "", fmt.Errorf("it is %s itself", dpath.Quote(h.Base))
		}
		return "", fmt.Errorf("Dropbox listed it under %s, but it is not below it", dpath.Quote(h.Base))
	}
	for _, name := range strings.Split(rel, "/") {
		if err := localName(name); err != nil {
			return "", err
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("it would land outside the local folder or on a reserved name")
	}
	return rel, nil
}

// localName returns an error for a name that this system cannot store as
// an ordinary file or folder name, or that would mean another place.
func localName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%q is not a file name", name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("name %q contains \"/\" or a NUL byte", name)
	case len(name) > maxLocalName:
		return fmt.Errorf("name %.40q… is %d bytes long, more than the %d local file systems allow", name, len(name), maxLocalName)
	case !utf8.ValidString(name):
		return fmt.Errorf("name %q is not valid UTF-8", name)
	}
	if runtime.GOOS == "windows" {
		if i := strings.IndexAny(name, `\:*?"<>|`); i >= 0 {
			return fmt.Errorf("name %q contains %q, which Windows does not allow", name, name[i])
		}
		for _, r := range name {
			if r < 0x20 {
				return fmt.Errorf("name %q contains a control character, which Windows does not allow", name)
			}
		}
		if strings.HasSuffix(name, " ") || strings.HasSuffix(name, ".") {
			return fmt.Errorf("name %q ends with a space or a dot, which Windows drops", name)
		}
	}
	if !filepath.IsLocal(name) {
		return fmt.Errorf("name %q is reserved on this system", name)
	}
	return nil
}

// leftOut reports whether rel lies in dropbox-post's own folder, which
// holds the study's manifests and is never pulled over.
func leftOut(rel string) bool {
	for _, name := range strings.Split(rel, "/") {
		if name == local.StateDir {
			return true
		}
	}
	return false
}
