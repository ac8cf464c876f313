package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// The data directory holds journal.jsonl (one JSON record per change:
// folders, file versions, deletions, shared links, refresh tokens) and
// blobs/ (one file per file version). Changes are appended to the journal
// and fsynced before the client is answered; at start the journal is
// replayed and rewritten in compact form with temp+fsync+rename, so that an
// interrupted run leaves either the old journal or the new one. A torn last
// line (a crash in the middle of a write) is ignored.

const JournalName = "journal.jsonl"

// Record is one journal line.
type Record struct {
	Op             string   `json:"op"` // folder, file, delete, link, refresh, revoke
	Path           string   `json:"path,omitempty"`
	ID             string   `json:"id,omitempty"`
	Seq            uint64   `json:"seq,omitempty"`
	Rev            string   `json:"rev,omitempty"`
	Size           int64    `json:"size,omitempty"`
	Hash           string   `json:"hash,omitempty"`
	Blob           string   `json:"blob,omitempty"`
	ClientModified string   `json:"cm,omitempty"`
	ServerModified string   `json:"sm,omitempty"`
	URL            string   `json:"url,omitempty"`
	Token          string   `json:"token,omitempty"`
	App            string   `json:"app,omitempty"`
	Scopes         []string `json:"scopes,omitempty"`
	PKCE           bool     `json:"pkce,omitempty"`
}

// journal appends records and syncs them in groups: concurrent commits
// share one fsync.
type journal struct {
	dir string

	mu      sync.Mutex // guards f, written, err
	f       *os.File
	written uint64
	err     error // sticky: after a failed write nothing more is accepted

	syncMu sync.Mutex
	synced uint64
}

// readJournal calls apply for each record of the journal in dir, if any.
func readJournal(dir string, apply func(Record) error) error {
	data, err := os.ReadFile(filepath.Join(dir, JournalName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			if i == len(lines)-1 {
				break // torn last line: the write it belongs to was never acknowledged
			}
			return fmt.Errorf("%s line %d is damaged: %v", filepath.Join(dir, JournalName), i+1, err)
		}
		if err := apply(rec); err != nil {
			return fmt.Errorf("%s line %d: %v", filepath.Join(dir, JournalName), i+1, err)
		}
	}
	return nil
}

// writeJournal replaces the journal with recs (written to a temporary file
// beside it, fsynced, renamed over it, then the directory fsynced) and opens
// it for appending.
func writeJournal(dir string, recs []Record) (*journal, error) {
	path := filepath.Join(dir, JournalName)
	tmp, err := os.CreateTemp(dir, "."+JournalName+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is left to remove
	w := bufio.NewWriterSize(tmp, 1<<20)
	for _, rec := range recs {
		b, err := json.Marshal(rec)
		if err != nil {
			tmp.Close()
			return nil, err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := syncClose(tmp); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil && runtime.GOOS != "windows" { // Windows cannot sync a directory
		err = syncDir(dir)
	}
	if err != nil {
		return nil, err
	}
	af, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &journal{dir: dir, f: af}, nil
}

// append writes records (not yet synced) and returns the ticket to pass to
// sync. Callers hold the lock that orders their changes, so the journal has
// them in the order they were made.
func (j *journal) append(recs ...Record) (uint64, error) {
	var buf bytes.Buffer
	for _, rec := range recs {
		b, err := json.Marshal(rec)
		if err != nil {
			return 0, err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	if _, err := j.f.Write(buf.Bytes()); err != nil {
		j.err = fmt.Errorf("journal write failed: %w", err)
		return 0, j.err
	}
	j.written++
	return j.written, nil
}

// sync returns once the record with the given ticket, and the blobs it
// names, are on disk.
func (j *journal) sync(ticket uint64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= ticket {
		return nil
	}
	j.mu.Lock()
	upTo, f, err := j.written, j.f, j.err
	j.mu.Unlock()
	if err != nil {
		return err
	}
	if err := syncDir(filepath.Join(j.dir, "blobs")); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	j.synced = upTo
	return nil
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	if j.err == nil {
		j.err = errors.New("journal closed")
	}
	return err
}

// syncClose flushes f to disk and closes it.
func syncClose(f *os.File) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
