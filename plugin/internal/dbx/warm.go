package dbx

import (
	"crypto/x509"
	"net/url"
	"sync"
)

var warmed sync.Once

// WarmRoots loads the system's trusted certificates in the background.
// Go loads them at the first TLS handshake, on the way to the first
// request; on Linux that reads every file of /etc/ssl/certs (about 25 ms
// on the project's machine, as long as the handshake itself). A command
// that will talk to Dropbox calls it before it reads its credential, so
// that the loading overlaps the key file's password derivation or the
// scan of the local folder. Nothing is done for a plain-HTTP endpoint
// (the emulator on loopback), which makes no handshake.
func WarmRoots(api *url.URL) {
	if api != nil && api.Scheme != "https" {
		return
	}
	warmed.Do(func() {
		go func() { _, _ = x509.SystemCertPool() }() // only the loading is wanted
	})
}
