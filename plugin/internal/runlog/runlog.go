// Package runlog keeps a log of each posting run inside the study, in
// .dropbox-post/logs/, so that the person can always find out what
// happened: librec-auto captures a post script's stdout and stderr and
// never shows them, and reports a failure only as "Script failure".
//
// Every write goes through an os.Root opened on the study, so a
// .dropbox-post or logs that is a symbolic link leading out of the study
// (a config from a public repository comes with its study) cannot make it
// write or delete anything elsewhere. At most Keep logs are kept; the
// oldest are removed.
package runlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Dir is the logs' folder, relative to the study.
var Dir = filepath.Join(".dropbox-post", "logs")

// Keep is how many logs are kept.
const Keep = 20

// Log is one run's log file. Its methods are safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	Path string // the log's path: study/.dropbox-post/logs/NAME.log
}

// Open creates a new log in study (mode 0600) named after now and the
// process, and removes the oldest logs beyond Keep.
func Open(study string, now time.Time) (*Log, error) {
	root, err := os.OpenRoot(study)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := root.MkdirAll(Dir, 0o700); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-%d.log", now.UTC().Format("20060102T150405.000Z"), os.Getpid())
	f, err := root.OpenFile(filepath.Join(Dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	prune(root)
	return &Log{f: f, Path: filepath.Join(study, Dir, name)}, nil
}

// prune removes the oldest logs beyond Keep. Names sort by time.
func prune(root *os.Root) {
	d, err := root.Open(Dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	var logs []string
	for _, n := range names {
		if strings.HasSuffix(n, ".log") {
			logs = append(logs, n)
		}
	}
	sort.Strings(logs)
	for len(logs) > Keep {
		_ = root.Remove(filepath.Join(Dir, logs[0]))
		logs = logs[1:]
	}
}

// Write appends p to the log. A failing log never fails the run: errors
// are dropped.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_, _ = l.f.Write(p)
	}
	return len(p), nil
}

// Printf writes a line to the log.
func (l *Log) Printf(format string, args ...any) {
	fmt.Fprintf(l, format+"\n", args...)
}

// Close closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Tee returns a writer that writes to w and to the log.
func (l *Log) Tee(w io.Writer) io.Writer { return io.MultiWriter(w, l) }
