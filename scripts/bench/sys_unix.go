//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// syncDisks flushes written files to disk, so that their writeback does not
// run during a measurement.
func syncDisks() { syscall.Sync() }

// usage returns a finished process's peak resident memory in MiB and its
// CPU time.
func usage(ps *os.ProcessState) (rssMiB float64, cpu time.Duration) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, ps.UserTime() + ps.SystemTime()
	}
	rss := float64(ru.Maxrss) / 1024 // KiB on Linux
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		rss = float64(ru.Maxrss) / (1 << 20) // bytes on macOS
	}
	return rss, ps.UserTime() + ps.SystemTime()
}

// selfCPU returns the CPU time this process (the bench, and with it the
// TLS front) has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
