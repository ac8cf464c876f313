// Package runlog keeps a log of each posting run inside the study, in
// .dropbox-post/logs/, so that the person can always find out what
// happened: librec-auto captures a post script's stdout and stderr and
// never shows them, and reports a failure only as "Script failure".
//
// Every write goes through a statedir.Folder, so a .dropbox-post or logs
// that is a symbolic link (a config from a public repository comes with
// its study) cannot make it write or delete anything elsewhere: the logs
// then go to the user's own data folder. At most Keep logs are kept; the
// oldest are removed, and only files named as this package names them
// (Open), regular files in the real folder.
package runlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

// Dir is the logs' folder, relative to the study.
var Dir = filepath.Join(".dropbox-post", statedir.Logs)

// Keep is how many logs are kept.
const Keep = 20

// Log is one run's log file. Its methods are safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	Path string // the log's path: study/.dropbox-post/logs/NAME.log
}

// Open creates a new log in dir (mode 0600) named after now and the
// process, and removes the oldest logs beyond Keep.
func Open(dir *statedir.Folder, now time.Time) (*Log, error) {
	name := fmt.Sprintf("%s-%d.log", now.UTC().Format("20060102T150405.000Z"), os.Getpid())
	f, err := dir.Create(name, 0o600)
	if err != nil {
		return nil, err
	}
	prune(dir)
	return &Log{f: f, Path: dir.Name(name)}, nil
}

// ours matches the names Open gives.
var ours = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9]+\.log$`)

// prune removes the oldest logs beyond Keep: regular files with the names
// Open gives, which sort by time. Nothing else in the folder counts.
func prune(dir *statedir.Folder) {
	ents, _ := dir.Entries()
	var logs []string
	for _, e := range ents {
		if ours.MatchString(e.Name()) && e.Type().IsRegular() {
			logs = append(logs, e.Name())
		}
	}
	sort.Strings(logs)
	for len(logs) > Keep {
		_ = dir.Remove(logs[0])
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
