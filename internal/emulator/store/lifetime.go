package store

import "time"

// Session lifetime, and sessions made for a failed files/upload.
//
// files.stone, UploadSessionLookupError.not_found: "The upload session ID
// was not found or has expired. Upload sessions are valid for 7 days" (48
// hours until 2021); rclone#2158 saw one die after about a day. An expired
// session answers not_found to every use, in each route's shape.

// SetLifetime makes sessions expire ttl after they started, by the clock
// now (nil: time.Now); ttl 0 means never. Call it before serving.
func (ss *Sessions) SetLifetime(ttl time.Duration, now func() time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.ttl = ttl
	if now != nil {
		ss.now = now
	}
}

// Adopt opens a closed session that holds content already received, with
// its content hash, and returns its id: the upload_session_id that
// files/upload answers with when its commit fails, which, as
// UploadWriteFailed says, "may be used to retry the commit with
// upload_session/finish", without sending the data again.
func (ss *Sessions) Adopt(content Blob, hash string) string {
	id, sess := ss.Start(false)
	sess.Mu.Lock()
	sess.Closed, sess.size, sess.Content, sess.Hash = true, content.Size(), content, hash
	sess.Mu.Unlock()
	return id
}
