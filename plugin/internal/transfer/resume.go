package transfer

import (
	"errors"
	"fmt"
	"os"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
)

// Resuming large uploads (Options.Resume). A large file's concurrent
// session is written down when it starts and after each acknowledged
// chunk. A later upload of the same local file to the same destination
// continues that session: the chunks Dropbox acknowledged are not read or
// sent again (their block digests come from the state), the others are
// sent, and the closing chunk last. It starts over, and says why in the
// log and in Result.Resume, when the file's size or modification time
// changed, when it comes from another local file, or when Dropbox no
// longer knows the session (not_found, closed: expired, or already
// committed).
//
// Why the set of acknowledged chunks rather than one offset: the chunks of
// a concurrent session go four at a time and finish in any order, so what
// Dropbox holds at a kill is a set with holes. A sequential session would
// make the state one offset (and Dropbox's incorrect_offset would give the
// correct one), but it sends one chunk at a time, which does not fill a
// link with latency; the set costs a few bytes per chunk.

// resumable continues the interrupted session of lf's file if there is
// one that fits; it reports whether it did.
func (lf *largeFile) resumable(info os.FileInfo) bool {
	u, it := lf.u, lf.it
	if u.o.Resume == nil {
		return false
	}
	st := u.o.Resume.Load(it.Dest)
	if st == nil {
		return false
	}
	if why := st.Stale(it.File.Path, lf.size, info.ModTime(), ChunkSize); why != "" {
		u.o.Resume.Remove(it.Dest)
		u.note(it, "started over: "+why)
		u.o.Log.Info("starting a large file over", "file", it.File.Rel, "reason", why)
		return false
	}
	digests := make([][]blocks.Digest, lf.n)
	var acked int64
	for _, i := range st.Indexes() {
		if i >= lf.n {
			continue
		}
		ds, _ := st.Acked(i)
		digests[i] = ds
		acked += min(ChunkSize, lf.size-i*ChunkSize)
	}
	if st.Closed && acked != lf.size {
		u.o.Resume.Remove(it.Dest) // closed with holes: not a state this program writes
		return false
	}
	lf.session, lf.state, lf.digests = st.SessionID, st, digests
	u.note(it, fmt.Sprintf("resumed: %d of %d chunks were already on Dropbox", st.Count(), lf.n))
	u.o.Log.Info("resuming a large file's upload", "file", it.File.Rel, "chunks", lf.n, "acknowledged", st.Count(), "bytes", acked)
	u.o.Observer.Resumed(acked)
	return true
}

// sessionGone reports whether err means that Dropbox no longer has the
// session, or no longer takes data into it.
func sessionGone(err error) bool {
	return dbx.HasTag(err, "not_found") || dbx.HasTag(err, "closed") || dbx.HasTag(err, "incorrect_offset")
}

// forget drops the written-down state of lf when err means that the
// session cannot be continued (the file changed, or the session is gone).
func (lf *largeFile) forget(err error) {
	if lf.u.o.Resume != nil && (errors.Is(err, errChanged) || sessionGone(err)) {
		lf.u.o.Resume.Remove(lf.it.Dest)
	}
}

// commitLarge hands lf's closed session to the committer. Once it is
// committed, or refused, its state is dropped: a commit that failed for a
// passing reason is sent again from the start in the next round.
func (u *uploader) commitLarge(lf *largeFile) {
	it := lf.it
	arg := files.NewUploadSessionFinishArg(files.NewUploadSessionCursor(lf.session, uint64(lf.size)), commitInfo(it, u.o.Mode))
	u.cm.submit(commitReq{arg: arg, concurrent: true, done: func(m *files.FileMetadata, err error) {
		u.committedThen(it, m, err, func(err error) {
			if u.o.Resume != nil && (err == nil || !fatal(err)) {
				u.o.Resume.Remove(it.Dest)
			}
		})
	}})
}

// note records what happened to a large file's interrupted upload.
func (u *uploader) note(it *plan.Item, s string) {
	u.mu.Lock()
	u.results[it].Resume = s
	u.mu.Unlock()
}

// dropDone removes the state of large files that are not to be sent:
// a run killed after the commit left it behind.
func dropDone(p *plan.Plan, o Options) {
	if o.Resume == nil {
		return
	}
	for _, it := range p.Items {
		if it.Action != plan.Upload && it.File != nil && it.File.Size >= o.LargeFrom {
			o.Resume.Remove(it.Dest)
		}
	}
}
