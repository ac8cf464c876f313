package cli

import (
	"sync"

	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// movedWarned holds the warnings given about a study's folders kept
// elsewhere, so that a run of many elements says each once.
var movedWarned sync.Map

// studyFolder returns the folder sub (statedir.Uploads, Manifests or Logs)
// of study's .dropbox-post, or, when that is a symbolic link, of the
// study's folder in the user's data folder, with a warning (once). nil when there is none: the warning says what is lost.
func studyFolder(env *Env, study, sub string) *statedir.Folder {
	f, moved, err := statedir.InStudy(study, sub, env.Getenv)
	if err != nil {
		env.Log.Warn(err.Error() + "; nothing of this kind is kept for this run")
		return nil
	}
	if moved != "" {
		if _, said := movedWarned.LoadOrStore(moved, true); !said {
			env.Log.Warn(moved)
		}
	}
	return f
}
