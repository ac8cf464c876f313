// Package scripts holds the files of scripts/ that the binary carries: the
// librec-auto shim, which 'dropbox-post librec-auto install' writes into
// librec-auto's post folder.
package scripts

import _ "embed"

// Shim is scripts/dropbox-post.py.
//
//go:embed dropbox-post.py
var Shim []byte
