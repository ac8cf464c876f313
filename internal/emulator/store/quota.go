package store

// The account's quota. files.stone, WriteError.insufficient_space: "The
// user doesn't have enough available space (bytes) to write more data." It
// reaches clients at commit only (UploadError.path, UploadSessionFinishError
// .path, finish_batch entries): UploadSessionAppendError and
// UploadSessionStartError have no such member, so data is always accepted.

// SetQuota sets the bytes the account may hold (0: no limit). Call it
// before serving.
func (s *Store) SetQuota(bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = bytes
}

// Space returns the bytes the current files take, and the quota (0: none).
func (s *Store) Space() (used, quota int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.usedBytes(), s.quota
}

// usedBytes is the size of every current file. Callers hold s.mu.
func (s *Store) usedBytes() int64 {
	var n int64
	for _, f := range s.byRev { // the current version of each file
		n += f.size
	}
	return n
}

// overQuota reports whether growing the account by delta bytes (a new
// file's size, or an overwrite's difference) passes the quota. Callers
// hold s.mu.
func (s *Store) overQuota(delta int64) bool {
	return s.quota > 0 && delta > 0 && s.usedBytes()+delta > s.quota
}
