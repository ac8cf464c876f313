package push

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// newManifest starts the provenance record of a push of abs (a folder
// when dir) that started at started.
func newManifest(o Options, abs string, dir bool, started time.Time) *manifest.Manifest {
	m := &manifest.Manifest{Version: manifest.Version, Tool: o.Tool, Started: started.UTC(), Local: abs, Dest: o.Dest, Study: o.Study, Element: o.Element,
		Kind: "file", Filters: o.Filter.Specs()}
	if dir {
		m.Kind = "folder"
	}
	return m
}

// record writes the manifest m in o.Manifests, only when something was
// posted, or when what is on Dropbox is not yet recorded (an earlier
// manifest failed, or none was asked for then), and says where in sum. A
// manifest that cannot be written is an Unrecorded error.
func record(o Options, sum *report.Summary, m *manifest.Manifest) error {
	if o.Manifests == nil || !(sum.Uploaded > 0 || sum.Unchanged > 0 && !manifest.Recorded(o.Manifests, m)) {
		return nil
	}
	var err error
	sum.Manifest, err = manifest.Write(o.Manifests, m)
	if err == nil {
		return nil
	}
	err = unrecorded(err, o.Manifests.Path())
	sum.ManifestError = err.Error()
	return err
}

// outcome is the error of a push: the upload's, else that of what came
// after it (verify, share), else the manifest's. A manifest error behind
// another one is logged.
func outcome(o Options, upErr, afterErr, manifestErr error) error {
	switch {
	case upErr != nil:
		if manifestErr != nil {
			o.Log.Warn(manifestErr.Error())
		}
		return dbx.Explain(upErr, "pushing "+strconv.Quote(o.Local))
	case afterErr != nil:
		if manifestErr != nil {
			o.Log.Warn(manifestErr.Error())
		}
		return afterErr
	}
	return manifestErr
}

// Unrecorded reports whether err says that a push posted its files but
// could not write their manifest: the files are on Dropbox, their record
// is not.
func Unrecorded(err error) bool {
	var u *unrecordedError
	return errors.As(err, &u)
}

type unrecordedError struct{ err *exit.Error }

func (e *unrecordedError) Error() string { return e.err.Error() }
func (e *unrecordedError) Unwrap() error { return e.err }

// unrecorded turns the failure to write a manifest into dir into an error
// (exit.Local) that says what it means and how to fix it. An unattended run
// must not lose its provenance with nothing but a warning.
func unrecorded(err error, dir string) error {
	why := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		why = pe.Err.Error()
	}
	return &unrecordedError{exit.Wrap(exit.Local, err,
		fmt.Sprintf("the files are on Dropbox, but their record is not: the manifest could not be written in %q (%s)", dir, why),
		"make that folder writable, or give --manifest-dir a writable folder, and run again (what is on Dropbox is not sent again, and the manifest is written); --no-manifest posts without one")}
}
