//go:build !unix

package main

import (
	"os"
	"time"
)

// syncDisks does nothing where there is no sync(2) (Windows): the
// measurements may then include some writeback.
func syncDisks() {}

// usage returns the process's CPU time; peak memory is not known here (0).
func usage(ps *os.ProcessState) (rssMiB float64, cpu time.Duration) {
	return 0, ps.UserTime() + ps.SystemTime()
}

// selfCPU is not measured here (0).
func selfCPU() time.Duration { return 0 }
