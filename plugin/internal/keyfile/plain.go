package keyfile

import (
	"errors"
	"fmt"

	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// ReadCredential reads a plain credential file, what 'encrypt --key' is
// given (see credential.Parse). It refuses a file that is already a key
// file, so that nothing is encrypted twice. Errors are *exit.Error values
// with code KeyFile; they never show the file's content.
func ReadCredential(path string) (credential.Credential, error) {
	data, err := readFile(path, "credential file", "check its path: --key names the file holding the token (or the .env or JSON credential) to encrypt")
	if err != nil {
		return credential.Credential{}, err
	}
	if _, err := Inspect(data); err == nil || errors.Is(err, ErrDamaged) {
		return credential.Credential{}, exit.New(exit.KeyFile, fmt.Sprintf("%q is already an encrypted key file", path),
			"give the plain credential; to move a librec-auto key file to the new format, run 'dropbox-post key upgrade "+path+"'")
	}
	c, err := credential.Parse(data)
	if err != nil {
		return credential.Credential{}, exit.Wrap(exit.KeyFile, err, fmt.Sprintf("%q holds no usable credential: %v", path, err),
			"give a file with a Dropbox access token, or with DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN lines (see 'dropbox-post encrypt --help')")
	}
	return c, nil
}
