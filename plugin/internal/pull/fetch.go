package pull

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
)

// fetcher downloads jobs, several at a time.
type fetcher struct {
	c    *dbx.Client
	o    Options
	root *os.Root
	dir  string // the local folder, for messages
	prog *progress.Meter

	mu      sync.Mutex
	stopErr error
}

// run downloads every job whose action is download or replace. It returns
// an error only when the whole pull must stop (the local disk failed, the
// credential was refused, or it was interrupted); a file that could not be
// downloaded has its err set.
func (f *fetcher) run(ctx context.Context, jobs []*job) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var g errgroup.Group
	g.SetLimit(f.o.Parallel)
	for _, j := range jobs {
		if j.action != actDownload && j.action != actReplace {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := f.fetch(ctx, j); err != nil {
				f.stop(err)
				cancel()
			}
			return nil
		})
	}
	g.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopErr != nil {
		return f.stopErr
	}
	return ctx.Err()
}

func (f *fetcher) stop(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopErr == nil {
		f.stopErr = err
	}
}

// fetch downloads one file, trying again (up to Rounds times) when the
// data did not match its content hash or the network kept failing. It
// returns an error only for what must stop the whole pull.
func (f *fetcher) fetch(ctx context.Context, j *job) error {
	name := filepath.FromSlash(j.rel)
	display := filepath.Join(f.dir, name)
	if err := f.root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return localFailure(&localError{path: filepath.Dir(display), err: err})
	}
	opts := filetransfer.DownloadOptions{}
	if j.remote.Size >= f.o.LargeFrom {
		opts.ParallelDownloads = f.o.RangeParallel
	}
	var err error
	for round := 1; ; round++ {
		t := &target{
			root: f.root, name: name, display: display, replace: j.action == actReplace,
			want: j.remote.Hash, create: f.o.create, sent: f.sent,
		}
		var res *filetransfer.DownloadResult
		res, err = filetransfer.NewDownloader(f.c.Files).Download(ctx, j.remote.Path, t, opts)
		t.Abort(context.WithoutCancel(ctx), err)
		if err == nil {
			j.meta = res.Metadata
			f.done(nil)
			return nil
		}
		var le *localError
		switch {
		case errors.As(err, &le):
			return localFailure(le)
		case ctx.Err() != nil:
			return dbx.Explain(context.Canceled, "pulling "+strconv.Quote(j.remote.Path))
		case fatal(err):
			return dbx.Explain(err, "downloading "+strconv.Quote(j.remote.Path))
		case errors.Is(err, errExists):
			j.action, j.reason = actKept, "appeared here during the pull"
			f.done(nil)
			return nil
		case refusal(err) != "":
			j.refused = refusal(err)
			f.done(nil)
			return nil
		}
		if round >= f.o.Rounds || dbx.Summary(err) != "" { // Dropbox answered: trying again will not help
			break
		}
		f.o.Log.Debug("download failed; trying again", "path", j.remote.Path, "round", round, "error", err)
		if err := retry.Sleep(ctx, time.Duration(round)*250*time.Millisecond); err != nil {
			return dbx.Explain(err, "pulling "+strconv.Quote(j.remote.Path))
		}
	}
	j.err = err
	f.done(err)
	return nil
}

func (f *fetcher) sent(n int64) {
	if f.prog != nil {
		f.prog.Sent(n)
	}
}

func (f *fetcher) done(err error) {
	if f.prog != nil {
		f.prog.Done(nil, err)
	}
}

// refusal says why, when Dropbox refuses to let anyone download a file
// (the file is fine; running again cannot help), or returns "": a
// document that can only be exported (unsupported_file, for a listing that
// did not say is_downloadable: false), content restricted for legal
// reasons (restricted_content: rclone's docs report the copyright
// detector), content Dropbox cannot send (unsupported_content_type).
func refusal(err error) string {
	switch {
	case dbx.HasTag(err, files.DownloadErrorUnsupportedFile):
		return remote.ExportOnly
	case dbx.HasTag(err, files.LookupErrorRestrictedContent):
		return "Dropbox lets no one download it (\"restricted_content\": restricted, for example for legal reasons)"
	case dbx.HasTag(err, files.LookupErrorUnsupportedContentType):
		return "Dropbox cannot send this kind of content (\"unsupported_content_type\")"
	}
	return ""
}

// fatal reports whether a Dropbox error means that nothing else will work
// either.
func fatal(err error) bool {
	switch exit.CodeOf(dbx.Explain(err, "")) {
	case exit.Auth, exit.Interrupted, exit.Protocol: // the server is not Dropbox
		return true
	}
	return false
}

// localFailure turns a failed write into the error that stops the pull.
func localFailure(le *localError) error {
	if errors.Is(le.err, syscall.ENOSPC) || errors.Is(le.err, syscall.EDQUOT) || errors.Is(le.err, syscall.EFBIG) {
		return exit.Wrap(exit.Local, le, fmt.Sprintf("no space left (the disk is full, or a size limit was reached): cannot write %q", le.path),
			"free some space and run the pull again; nothing half-written was left, and the files already pulled are kept and skipped")
	}
	return exit.Wrap(exit.Local, le, fmt.Sprintf("cannot write %q: %s", le.path, cause(le.err)),
		"check that you may write in the local folder; nothing half-written was left")
}

// explain turns a per-file error into one line for the user.
func explain(err error) string {
	switch {
	case errors.Is(err, errMismatch):
		return "the downloaded data did not match Dropbox's content hash, every time it was tried; run again"
	case dbx.Summary(err) != "":
		return strings.TrimPrefix(dbx.Explain(err, "").Error(), ": ")
	}
	return dbx.Clip(err.Error()) // it may hold text of the server's, quoted by who wrote it
}
