package pull

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// removeTemps removes the temporary files that an interrupted earlier pull
// (killed, or the machine went down) left in the folders this pull writes
// to: only regular files named as pull names its temporaries
// (local.IsPullTemp), only inside root, and never one that another pull
// running now still writes (it holds a lock on it). It returns how many it
// removed; display names the folder in an error.
func removeTemps(root *os.Root, display string, jobs []*job) (int, *localError) {
	dirs := map[string]bool{".": true}
	for _, j := range jobs {
		dirs[path.Dir(j.rel)] = true
	}
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	removed := 0
	for _, dir := range sorted {
		entries, err := fs.ReadDir(root.FS(), dir)
		if err != nil {
			continue // not there yet, or not a folder: nothing of ours in it
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !local.IsPullTemp(e.Name()) {
				continue
			}
			name := filepath.Join(filepath.FromSlash(dir), e.Name())
			if f, err := root.OpenFile(name, os.O_RDONLY, 0); err == nil {
				busy := lockedByOther(f)
				f.Close()
				if busy {
					continue
				}
			}
			if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, &localError{path: filepath.Join(display, name), err: err}
			}
			removed++
		}
	}
	return removed, nil
}
