package transfer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/plugin/internal/blocks"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
)

// Resuming large uploads (Options.Resume). A large file's concurrent
// session is written down when it starts and after each acknowledged
// chunk. A later upload of the same local file to the same destination
// continues that session: the chunks Dropbox acknowledged are not sent
// again, the others are sent, and the closing chunk last. It starts over,
// and says why in the log and in Result.Resume, when the file's size or
// modification time changed, when it comes from another local file, when
// the acknowledged chunks read back from the file do not hash to what the
// state recorded, or when Dropbox no longer knows the session (not_found,
// closed: expired, or already committed).
//
// The state is a hint, never the truth: it may be stale (a file rewritten
// in place with the same size and modification time, as cp -p, rsync -t
// and tar x leave it), come from another machine, or be forged. So the
// acknowledged chunks are read back and hashed before the session is
// continued (checkAcked), and the file's content hash, which the commit is
// checked against, is always made from the file's bytes. Hashing runs at
// several times the speed of any link, far cheaper than sending again.
//
// Why the set of acknowledged chunks rather than one offset: the chunks of
// a concurrent session go four at a time and finish in any order, so what
// Dropbox holds at a kill is a set with holes. A sequential session would
// make the state one offset (and Dropbox's incorrect_offset would give the
// correct one), but it sends one chunk at a time, which does not fill a
// link with latency; the set costs a few bytes per chunk.

// resumable continues the interrupted session of lf's file if there is
// one that fits; it reports whether it did. An error is a read error of
// the file.
func (lf *largeFile) resumable(info os.FileInfo) (bool, error) {
	u, it := lf.u, lf.it
	if u.o.Resume == nil {
		return false, nil
	}
	st := u.o.Resume.Load(it.Dest)
	if st == nil {
		return false, nil
	}
	if why := st.Stale(it.File.Path, lf.size, info.ModTime(), ChunkSize); why != "" {
		lf.startOver(why)
		return false, nil
	}
	digests, why, err := lf.checkAcked(st)
	if err != nil {
		return false, err
	}
	if why != "" {
		lf.startOver(why)
		return false, nil
	}
	var acked int64
	for i, d := range digests {
		if d != nil {
			acked += min(ChunkSize, lf.size-int64(i)*ChunkSize)
		}
	}
	if st.Closed && acked != lf.size {
		lf.startOver("the interrupted upload's state is inconsistent (closed with chunks missing)")
		return false, nil
	}
	lf.session, lf.state, lf.digests = st.SessionID, st, digests
	u.note(it, fmt.Sprintf("resumed: %d of %d chunks were already on Dropbox", st.Count(), lf.n))
	u.o.Log.Info("resuming a large file's upload", "file", it.File.Rel, "chunks", lf.n, "acknowledged", st.Count(), "bytes", acked)
	u.o.Observer.Resumed(acked)
	return true, nil
}

// checkAcked reads back from the file the chunks that st says Dropbox
// acknowledged, hashes them, and compares the digests with those st
// recorded. It returns the digests of every chunk (nil for those not
// acknowledged), or why the state does not fit the file. The chunks are
// read ChunkParallel at a time into buffers from the upload's budget.
func (lf *largeFile) checkAcked(st *resume.Upload) ([][]blocks.Digest, string, error) {
	digests := make([][]blocks.Digest, lf.n)
	idx := st.Indexes()
	if len(idx) > 0 && idx[len(idx)-1] >= lf.n {
		return nil, fmt.Sprintf("the interrupted upload's state names chunk %d, past the file's end", idx[len(idx)-1]+1), nil
	}
	var g errgroup.Group
	g.SetLimit(lf.u.o.ChunkParallel)
	for _, i := range idx {
		g.Go(func() error {
			off := i * ChunkSize
			data, err := lf.u.budget.take(lf.u.ctx, min(ChunkSize, lf.size-off))
			if err != nil {
				return err
			}
			defer lf.u.budget.give(data)
			if _, err := lf.f.ReadAt(data, off); err != nil && err != io.EOF {
				return fmt.Errorf("reading %q: %w", lf.it.File.Path, err)
			}
			digests[i] = blocks.Digests(data)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, "", err
	}
	for _, i := range idx {
		if saved, _ := st.Acked(i); !slices.Equal(saved, digests[i]) {
			return nil, fmt.Sprintf("the file's content differs from what the interrupted upload sent (chunk %d of %d), though its size and modification time are the same", i+1, lf.n), nil
		}
	}
	return digests, "", nil
}

// startOver drops the interrupted upload of lf's file and says why.
func (lf *largeFile) startOver(why string) {
	lf.u.o.Resume.Remove(lf.it.Dest)
	lf.u.note(lf.it, "started over: "+why)
	lf.u.o.Log.Info("starting a large file over", "file", lf.it.File.Rel, "reason", why)
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
	u.cm.submit(commitReq{it: it, session: lf.session, size: uint64(lf.size), concurrent: true, done: func(m *files.FileMetadata, err error) {
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
	u.results.of(it).Resume = s
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
