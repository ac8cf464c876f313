package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// pushManifests is where push writes its manifests when --manifest-dir
// does not say: in the study's .dropbox-post/manifests when the current
// directory is a study (holds conf/config.xml), as run does; anywhere else
// in the user's data folder (dropbox-post/manifests there), so that a push
// from any folder leaves no .dropbox-post behind. nil when there is no such
// folder (no home): then no manifest is written, and a warning says how to
// have one.
func pushManifests(env *Env) *statedir.Folder {
	if _, err := os.Stat(configschema.StudyConfig(".", "config.xml")); !errors.Is(err, fs.ErrNotExist) {
		return studyFolder(env, ".", statedir.Manifests)
	}
	dir, err := statedir.UserDataDir(env.Getenv)
	if err != nil {
		env.Log.Warn("no data folder for the manifest: none is written; give --manifest-dir to keep one", "error", err)
		return nil
	}
	return statedir.At(filepath.Join(dir, "dropbox-post", "manifests"), 0o755)
}
