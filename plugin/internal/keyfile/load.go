package keyfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// maxFileSize bounds what is read: key files are a few hundred bytes.
const maxFileSize = 64 << 10

// Fixes the file errors suggest.
const (
	fixPassword = "give the password the file was encrypted with (-k, --password, --password-file or DROPBOX_POST_PASSWORD)"
	fixDamaged  = "restore the file (e.g. from git), or encrypt the credential again with 'dropbox-post encrypt'"
	fixForeign  = "give a file written by 'dropbox-post encrypt' or librec-auto's bin/encrypt.py; to encrypt a plain token, run 'dropbox-post encrypt --key TOKEN_FILE --encrypted OUT'"
)

// ReadFile reads a key file, refusing what cannot be one: a missing file,
// a directory, a named pipe, a device or a socket (at once, without waiting
// on it), a file larger than 64 KiB. Errors are *exit.Error values with
// code KeyFile.
func ReadFile(path string) ([]byte, error) {
	return readFile(path, "key file", "check its path, or make one with 'dropbox-post encrypt'")
}

// readFile is ReadFile for a file that messages call what, and whose
// absence fixMissing says how to mend.
func readFile(path, what, fixMissing string) ([]byte, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		var nr *regularfile.NotRegularError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, exit.Wrap(exit.KeyFile, err, fmt.Sprintf("%s %q does not exist", what, path), fixMissing)
		case errors.As(err, &nr) && nr.IsDir():
			return nil, exit.New(exit.KeyFile, fmt.Sprintf("%s %q is a directory", what, path),
				"give the path of the "+what+" itself, not of its folder")
		case errors.As(err, &nr):
			return nil, exit.Wrap(exit.KeyFile, err, fmt.Sprintf("%s %q cannot be read: %v", what, path, nr),
				"give the path of the "+what+" itself (a regular file)")
		}
		return nil, readError(path, what, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, readError(path, what, err)
	}
	if len(data) > maxFileSize {
		return nil, exit.New(exit.KeyFile, fmt.Sprintf("%q is %s (it is larger than %d KiB)", path, ErrForeign, maxFileSize>>10), fixForeign)
	}
	return data, nil
}

func readError(path, what string, err error) error {
	var pe *fs.PathError
	cause := err
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("cannot read %s %q: %v", what, path, cause),
		"check that the file exists and that you may read it")
}

// Load reads the key file at path and decrypts it with password.
func Load(path, password string) (credential.Credential, Info, error) {
	data, err := ReadFile(path)
	if err != nil {
		return credential.Credential{}, Info{}, err
	}
	c, info, err := Open(data, password)
	if err != nil {
		return credential.Credential{}, Info{}, whitespaceHint(fileError(path, err), password)
	}
	return c, info, nil
}

// InspectFile reads the key file at path and describes it, without a
// password.
func InspectFile(path string) (Info, error) {
	data, err := ReadFile(path)
	if err != nil {
		return Info{}, err
	}
	info, err := Inspect(data)
	if err != nil {
		return Info{}, fileError(path, err)
	}
	return info, nil
}

// Save encrypts c with password in the version 1 format and writes it to
// path atomically with mode 0600. Without replace, an existing file is
// kept and an "already exists" *exit.Error returned.
func Save(path string, c credential.Credential, password string, replace bool) error {
	data, err := Seal(c, password)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o600, replace)
}

// fileError turns an error of Open or Inspect into an *exit.Error that
// names the file and says what to do.
func fileError(path string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return exit.Wrap(exit.Failure, err, fmt.Sprintf("cannot decrypt key file %q: %v", path, err), "")
	}
	switch e.Kind {
	case ErrWrongPassword:
		what := "wrong password for key file " + strconv.Quote(path)
		if e.Detail != "" {
			what += ", " + e.Detail
		}
		return exit.Wrap(exit.WrongPassword, err, what, fixPassword)
	case ErrEmpty:
		return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("key file %q is empty", path), fixDamaged)
	case ErrForeign:
		return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("%q is %s", path, ErrForeign), fixForeign)
	}
	if e.TooCostly {
		_, detail, _ := strings.Cut(e.Detail, ": ")
		return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("key file %q asks for more work than dropbox-post allows (%s)", path, detail),
			"'dropbox-post encrypt' never writes such a file: encrypt the credential again with it")
	}
	fix := fixDamaged
	if e.Newer {
		fix = "update dropbox-post to read it, or encrypt the credential again with this one"
	}
	return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("key file %q is %s", path, err), fix)
}
