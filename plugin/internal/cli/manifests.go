package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
)

// pushManifests is where push writes its manifests when --manifest-dir
// does not say: in the study's .dropbox-post/manifests when the current
// directory is a study (holds conf/config.xml), as run does; anywhere else
// in the user's data folder (dropbox-post/manifests there), so that a push
// from any folder leaves no .dropbox-post behind. "" when there is no such
// folder (no home): then no manifest is written, and a warning says how to
// have one.
func pushManifests(env *Env) string {
	if _, err := os.Stat(configschema.StudyConfig(".", "config.xml")); !errors.Is(err, fs.ErrNotExist) {
		return filepath.Join(local.StateDir, "manifests")
	}
	dir, err := userDataDir(env.Getenv)
	if err != nil {
		env.Log.Warn("no data folder for the manifest: none is written; give --manifest-dir to keep one", "error", err)
		return ""
	}
	return filepath.Join(dir, "dropbox-post", "manifests")
}

// userDataDir is the folder for a user's lasting application data:
// $XDG_DATA_HOME, else ~/.local/share (Linux and other Unix systems);
// ~/Library/Application Support (macOS); %AppData% (Windows).
func userDataDir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "plan9":
		return os.UserConfigDir()
	}
	if d := getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("$HOME is not set")
	}
	return filepath.Join(home, ".local", "share"), nil
}
