// Package transfer uploads files to Dropbox (downloads are package pull's).
// Small files are packed into batches of upload sessions (start_batch,
// append_batch); large ones are sent in parallel 8 MiB chunks of a
// concurrent upload session, read and hashed by this package (it replaced
// the SDK's filetransfer uploader; see sendLarge). Commits go through one
// committer (finish_batch_v2, up to 1000 files a call, never two at once;
// upload_session/finish, one at a time, for large files when Dropbox
// refuses them in a batch), except empty files when Dropbox refuses them
// in append_batch: files/upload sends and commits each in one call.
// Retries of single requests happen in package dbx; what still fails is
// checked against Dropbox by content hash and sent again, for a few rounds.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
)

// Defaults of Options.
const (
	DefaultParallel      = 8
	DefaultChunkParallel = 4
	DefaultLargeFrom     = 8 << 20 // files this size and up go in chunks
	DefaultPackBytes     = 8 << 20 // bytes of file data per append_batch
	DefaultRounds        = 3
	DefaultLargeParallel = 4 // large files sent at once
)

// Observer hears about progress. Its methods are called from many
// goroutines.
type Observer interface {
	// Sending counts the bytes of file data on their way: +n as a
	// connection takes them, minus an attempt's count when it ends
	// (dbx.WithSending). Sent counts them again once confirmed.
	Sending(delta int64)
	Sent(bytes int64)                  // bytes Dropbox confirmed receiving: the request that carried them completed
	Resumed(bytes int64)               // bytes Dropbox acknowledged in an earlier, interrupted run: done, not sent now
	Done(it *plan.Item, err error)     // a file is committed (err nil) or given up on
	Retrying(it *plan.Item, err error) // a file failed and will be tried again
}

// Options tunes an upload. The zero value is usable.
type Options struct {
	Parallel      int // concurrent small-file requests; 0: DefaultParallel
	ChunkParallel int // concurrent chunks of one large file; 0: DefaultChunkParallel
	LargeParallel int // large files sent at once; 0: DefaultLargeParallel
	// InFlight bounds the bytes of file data held in memory at once (read,
	// waiting to be sent, or being sent), small files' packs and large
	// files' chunks together; 0: DefaultInFlight. A pack or a chunk larger
	// than that is sent alone.
	InFlight  int64
	LargeFrom int64
	PackBytes int64
	PackFiles int // files per pack; 0 or more than 1000: 1000
	// MaxArg bounds the Dropbox-API-Arg header of one request, in bytes
	// (headers.go); 0: DefaultMaxArg.
	MaxArg int
	// WriteWait is how long a commit that Dropbox refuses for
	// contention or a rate limit keeps being tried (busy.go); 0:
	// DefaultWriteWait.
	WriteWait time.Duration
	Rounds    int // attempts per file; 0: DefaultRounds
	Mode      plan.IfExists
	Observer  Observer
	Log       hclog.Logger
	// Resume, if not nil, writes down the upload session of each large
	// file as its chunks are acknowledged, and continues an interrupted
	// one (see resume.go).
	Resume *resume.Store
	// Early, if not nil, is the session of the first large file sent,
	// opened while Dropbox was listed (StartEarly).
	Early *Early

	inFlightHook func(held int64) // tests: the bytes held, at each change
	clock        clock            // tests: the committer's time; nil: real
}

func (o *Options) defaults() {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.ChunkParallel <= 0 {
		o.ChunkParallel = DefaultChunkParallel
	}
	if o.LargeParallel <= 0 {
		o.LargeParallel = DefaultLargeParallel
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.LargeFrom <= 0 {
		o.LargeFrom = DefaultLargeFrom
	}
	if o.PackBytes <= 0 {
		o.PackBytes = DefaultPackBytes
	}
	if o.PackFiles <= 0 || o.PackFiles > maxBatch {
		o.PackFiles = maxBatch
	}
	if o.WriteWait <= 0 {
		o.WriteWait = DefaultWriteWait
	}
	if o.clock == nil {
		o.clock = realClock{}
	}
	if o.MaxArg <= 0 {
		o.MaxArg = DefaultMaxArg
	}
	if o.Rounds <= 0 {
		o.Rounds = DefaultRounds
	}
	if o.Mode == "" {
		o.Mode = plan.Overwrite
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
}

// Result is the outcome of one file.
type Result struct {
	Item *plan.Item
	// Committed says that Dropbox holds the file as it was sent, at
	// revision Rev (its content hash is Item.File.Hash).
	Committed bool
	Rev       string
	Err       error // why it failed, for the user
	// Resume says what became of an interrupted upload of this file
	// ("resumed: …" or "started over: …"); "" if there was none.
	Resume string
}

// Stats counts the requests an upload made, for reports and benchmarks.
type Stats struct {
	Rounds  int // rounds run (1 when everything went at the first try)
	Commits int // finish_batch_v2 calls
}

// Upload sends every item of p whose Action is plan.Upload, creates p's
// empty folders, and returns one Result per item sent, in p's order. An
// error is returned only when the whole upload stopped (interrupted, or
// Dropbox refused the credential); per-file failures are in the results.
func Upload(ctx context.Context, c *dbx.Client, p *plan.Plan, o Options) ([]Result, Stats, error) {
	o.defaults()
	results := newResults(p)
	todo := make([]*plan.Item, len(results.list))
	for i := range results.list {
		todo[i] = results.list[i].Item
	}
	var stats Stats
	buffers := newBudget(o.InFlight, o.inFlightHook)
	args := newArgLimit(o.MaxArg)
	dropDone(p, o)
	if err := createFolders(ctx, c, p.Folders); err != nil {
		return nil, stats, err
	}
	for round := 1; len(todo) > 0; round++ {
		stats.Rounds = round
		u := &uploader{c: c, o: o, ctx: ctx, results: results, budget: buffers, args: args, appends: newAppendGate(o.Parallel, o.PackBytes)}
		if err := u.run(todo); err != nil {
			return results.list, stats, err
		}
		stats.Commits += u.commits
		failed := u.failed()
		if len(failed) == 0 {
			break
		}
		// Some failed. A failure may hide a success (the response was lost
		// after Dropbox committed), so look before sending again.
		done, err := alreadyThere(ctx, c, p.Dest, failed, o.Parallel)
		if err != nil {
			return results.list, stats, err
		}
		todo = todo[:0]
		for _, it := range failed {
			r := results.of(it)
			switch {
			case done[it] != nil:
				r.Committed, r.Rev, r.Err = true, done[it].Rev, nil
				o.Observer.Done(it, nil)
			case permanent(r.Err) || round >= o.Rounds:
				o.Observer.Done(it, r.Err)
			default:
				o.Observer.Retrying(it, r.Err)
				todo = append(todo, it)
			}
		}
	}
	return results.list, stats, ctx.Err()
}

// results holds one Result per item to send, in the plan's order. An
// item's result is found by its local path (binary search; a plan's items
// come sorted by it, as the tree's files do), not through a map: a map
// entry a file would cost more than its Result.
type results struct {
	list []Result
	// order lists the indexes of list sorted by local path, when list is
	// not (a plan made by hand); nil when it is.
	order []int32
}

func newResults(p *plan.Plan) *results {
	rs := &results{}
	for _, it := range p.Items {
		if it.Action == plan.Upload {
			rs.list = append(rs.list, Result{Item: it})
		}
	}
	if !slices.IsSortedFunc(rs.list, func(a, b Result) int { return strings.Compare(a.Item.File.Rel, b.Item.File.Rel) }) {
		rs.order = make([]int32, len(rs.list))
		for i := range rs.order {
			rs.order[i] = int32(i)
		}
		slices.SortStableFunc(rs.order, func(a, b int32) int {
			return strings.Compare(rs.list[a].Item.File.Rel, rs.list[b].Item.File.Rel)
		})
	}
	return rs
}

// at returns the index in list of the i'th result in local path order.
func (rs *results) at(i int) int {
	if rs.order == nil {
		return i
	}
	return int(rs.order[i])
}

// of returns it's result; it must be one of the items sent. Items of the
// same local path (only in a plan made by hand) are told apart by identity.
func (rs *results) of(it *plan.Item) *Result {
	rel := it.File.Rel
	i := sort.Search(len(rs.list), func(i int) bool { return rs.list[rs.at(i)].Item.File.Rel >= rel })
	for ; i < len(rs.list); i++ {
		if r := &rs.list[rs.at(i)]; r.Item == it {
			return r
		}
	}
	panic("transfer: a result was asked for an item not sent")
}

// uploader runs one round.
type uploader struct {
	c       *dbx.Client
	o       Options
	ctx     context.Context // the round's; cancelled by stop
	cancel  context.CancelCauseFunc
	cm      *committer
	commits int
	budget  *budget     // the memory for file data, shared by every request
	args    *argLimit   // the bound on a request's Dropbox-API-Arg, for the run (headers.go)
	appends *appendGate // the append_batch requests in flight (headers.go)

	mu      sync.Mutex
	results *results
	tried   []*plan.Item
	stopErr error
	noBatch bool // the server lacks append_batch: send packs one file at a time
	// noEmptyAppend: Dropbox refused an empty file in append_batch, so
	// empty files go by files/upload (fallback.go).
	noEmptyAppend bool
	lookups       sync.WaitGroup // content hashes being looked up (fallback.go)
}

func (u *uploader) run(items []*plan.Item) error {
	parent := u.ctx
	u.ctx, u.cancel = context.WithCancelCause(parent)
	defer u.cancel(nil)
	u.cm = newCommitter(u.c.Files, u.o.Log)
	u.cm.mode, u.cm.patience, u.cm.clock = u.o.Mode, u.o.WriteWait, u.o.clock
	u.tried = items
	for _, it := range items {
		u.results.of(it).Err = ErrNotSent
	}
	committed := make(chan struct{})
	go func() { u.cm.run(u.ctx); close(committed) }()

	var small, large []*plan.Item
	for _, it := range items {
		if it.File.Size >= u.o.LargeFrom {
			large = append(large, it)
		} else {
			small = append(small, it)
		}
	}
	var g sync.WaitGroup
	g.Go(func() {
		var packs errgroup.Group
		packs.SetLimit(u.o.Parallel)
		for _, pk := range makePacks(small, u.o.PackFiles, u.o.PackBytes) {
			if u.ctx.Err() != nil {
				break
			}
			packs.Go(func() error { u.sendPack(pk); return nil })
		}
		packs.Wait()
	})
	g.Go(func() {
		// Several at once, so that one file's closing chunk, which goes
		// alone after its others, and the next file's session do not leave
		// the link idle.
		var files errgroup.Group
		files.SetLimit(u.o.LargeParallel)
		for _, it := range large {
			if u.ctx.Err() != nil {
				break
			}
			files.Go(func() error { u.sendLarge(it); return nil })
		}
		files.Wait()
	})
	g.Wait()
	u.cm.close()
	<-committed
	u.lookups.Wait()
	u.commits = u.cm.commits
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopErr != nil {
		return u.stopErr
	}
	return parent.Err()
}

// finish records the outcome of one file. A fatal error (interrupted, or
// the credential was refused) stops the round: every other file would fail
// the same way.
func (u *uploader) finish(it *plan.Item, meta *files.FileMetadata, err error) {
	u.mu.Lock()
	r := u.results.of(it)
	r.Committed, r.Rev, r.Err = meta != nil && err == nil, "", err
	if r.Committed {
		r.Rev = meta.Rev
	}
	u.mu.Unlock()
	if err == nil {
		u.o.Observer.Done(it, nil)
		return
	}
	if fatal(err) {
		u.stop(err) // the caller says what was being done
	}
}

// stop ends the round with err (the first one wins).
func (u *uploader) stop(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopErr == nil {
		u.stopErr = err
		u.cancel(err)
	}
}

func (u *uploader) failed() []*plan.Item {
	var out []*plan.Item
	for _, it := range u.tried {
		if u.results.of(it).Err != nil {
			out = append(out, it)
		}
	}
	return out
}

// fatal reports whether err means that nothing else will work either:
// interrupted, the credential refused, or the account full (Dropbox
// refuses data only at commit: sending more would be sent in vain).
func fatal(err error) bool {
	if dbx.HasTag(err, "insufficient_space") {
		return true
	}
	switch exit.CodeOf(dbx.Explain(err, "")) {
	case exit.Auth, exit.Interrupted:
		return true
	}
	return false
}

// permanent reports whether sending the file again cannot help.
func permanent(err error) bool {
	for _, t := range permanentTags {
		if dbx.HasTag(err, t) {
			return true
		}
	}
	var w *waitedOut
	return errors.Is(err, errChanged) || errors.As(err, &w)
}

// ErrNotSent is the outcome of a file not sent yet: the upload stopped
// before its turn came.
var ErrNotSent = errors.New("not sent")

// errChanged means the local file changed after it was hashed.
var errChanged = errors.New("the file changed while it was being sent; run again once the experiment has finished writing it")

func commitInfo(it *plan.Item, mode plan.IfExists) *files.CommitInfo {
	ci := files.NewCommitInfo(it.Dest)
	ci.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeOverwrite}}
	if mode != plan.Overwrite {
		ci.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeAdd}}
	}
	ci.Mute = true // thousands of result files should not notify every device
	mt := dropbox.DBXTime(it.File.ModTime.UTC().Truncate(time.Second))
	ci.ClientModified = &mt
	return ci
}

// createFolders makes the empty folders of the plan; ones already there
// are fine. A file where a folder should be is an error that names it.
func createFolders(ctx context.Context, c *dbx.Client, folders []string) error {
	for _, f := range folders {
		_, err := c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg(f))
		switch {
		case err == nil, dbx.HasTag(err, "conflict") && dbx.HasTag(err, "folder"):
		case dbx.HasTag(err, "conflict") && (dbx.HasTag(err, "file") || dbx.HasTag(err, "file_ancestor")):
			return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("creating folder %q: a file is in the way on Dropbox (%q)", f, dbx.Clip(strings.TrimRight(dbx.Summary(err), "/."))),
				fmt.Sprintf("remove or rename the file %q (or the one above it) on Dropbox, or choose another dest", f))
		case dbx.HasTag(err, "conflict"): // another kind of conflict: the folder is there
		default:
			return dbx.Explain(err, "creating folder "+strconv.Quote(f))
		}
	}
	return nil
}

type nopObserver struct{}

func (nopObserver) Sending(int64)              {}
func (nopObserver) Sent(int64)                 {}
func (nopObserver) Done(*plan.Item, error)     {}
func (nopObserver) Retrying(*plan.Item, error) {}
func (nopObserver) Resumed(int64)              {}

// sending is ctx for a request that carries file data: the observer hears
// of its bytes as they go (Observer.Sending).
func (u *uploader) sending(ctx context.Context) context.Context {
	return dbx.WithSending(ctx, u.o.Observer.Sending)
}
