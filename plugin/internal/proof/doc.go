// Package proof holds the tests that prove the push engine under faults,
// crashes and interrupts: the real dropbox-post binary, started as a child
// process, pushes to the emulator running in the test process, and the
// tests check, from the emulator's side, what Dropbox would hold.
//
//   - soak_test.go: a push under random faults (5xx, 429, dropped
//     connections, write contention) lands every file exactly once, with
//     the right content, in at most three times the fault-free time;
//   - crash_test.go: a push killed (SIGKILL) at ten precise points of its
//     work, then run again, ends complete, and Dropbox never holds a file
//     that is neither the old nor the new version;
//   - interrupt_test.go: Ctrl-C stops a push promptly with exit code 130,
//     the summary printed, nothing half-written, and a re-run completes.
//
// `go test` runs short versions; `go test ./plugin/internal/proof -args
// -soak` (make soak) runs the long ones and prints tables of numbers.
// The package has no code of its own outside its tests.
package proof
