// Package modes proves the client against the pessimistic emulator: every
// mode in which the emulator behaves as the real Dropbox is reported to
// (issue 20: its limits, its answers, its ways with names, and the strict
// modes), one at a time and then all at once. Under each, dropbox-post
// itself (in-process, as a user runs it) pushes small files with awkward
// names and a large one, pushes again with nothing to send, verifies, and
// pulls the folder back; every step must succeed, what lands must be what
// was sent, and nothing may be sent twice. See docs/real-dropbox.md for
// each mode and what the client does about it.
//
// The package has no code of its own outside its tests.
package modes
