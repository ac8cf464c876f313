// Package store is the emulator's account, apart from its HTTP side
// (package emulator): the namespace (namespace.go: a tree of files and
// folders indexed by path, id and revision, with the change log that
// listing cursors walk), commits, folders and deletions (commit.go),
// listings (list.go), shared links (links.go), upload sessions
// (sessions.go), file contents in memory or in a data directory
// (blobs.go), and the journal that makes a data directory survive a
// restart (journal.go, restore.go). Operations answer with Dropbox's
// results and error unions (metadata.go, union.go), which package emulator
// writes to the wire.
//
// Dropbox's rules for names and its content hash are applied here as the
// emulator knows them (names.go, paths.go, hash.go). The package imports
// none of the client's packages (dpath, blocks), whose tests compare them
// with these, so a mistake in one is not shared by the fake and the code it
// tests.
package store
