// Package store is the emulator's account: its namespace (files, folders,
// shared links, the change log that listing cursors walk), the file
// contents (blobs, in memory or in a data directory), and Dropbox's rules
// for names and content hashes as the emulator applies them. The HTTP side
// (routes, the wire format, OAuth) is package emulator's.
//
// It imports none of the client's packages (dpath, blocks): the client's
// tests compare those with this package's rules (names.go, hash.go).
package store
