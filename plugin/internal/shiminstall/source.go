package shiminstall

import _ "embed"

// Source is the shim as this repository holds it (dropbox-post.py in this
// package's folder), before Shim writes the installing binary's path into
// it. It lives here, not in scripts/, because go:embed reads only files in
// the embedding package's own folder.
//
//go:embed dropbox-post.py
var Source []byte
