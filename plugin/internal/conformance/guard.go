// Package conformance pins the parts of Dropbox's HTTP protocol that
// dropbox-post relies on, as tests written against a backend: the emulator
// (in make test, in its default and its strict modes) or the real Dropbox
// (make conformance with DROPBOX_TEST_* credentials), as restic runs one
// suite against every backend. Each check records the assumption and what
// the service answered, printed as a table.
//
// Against the real Dropbox the suite works only inside a folder it creates,
// /dropbox-post-conformance-<16 hex digits>, which must not exist before, and
// deletes it at the end. Every files call goes through Guard, which lets
// through only the calls the suite makes and only with paths inside that
// folder; any other call panics.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// rootPattern is the only form the suite's folder may have.
var rootPattern = regexp.MustCompile(`^/dropbox-post-conformance-[0-9a-f]{16}$`)

// NewRoot returns a fresh folder name for one run of the suite.
func NewRoot() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "/dropbox-post-conformance-" + hex.EncodeToString(b[:])
}

// Guard is a files client that forwards to Real only the calls the suite
// makes, and only when every path they name is Root or inside it. The
// embedded interface is nil on purpose: a call the suite was not reviewed
// for panics instead of reaching Dropbox.
//
// Safety review (live mode), line by line: every method below checks each
// path of its argument with inside before forwarding; inside accepts only
// Root itself (a rootPattern name, checked by NewGuard) or paths below it,
// after refusing "..", "." and empty components, backslashes and
// non-"/" forms (id:, rev:, ns:), and compares case-insensitively as
// Dropbox does. Upload session calls name no path but sessions, which only
// this run opened; their commits (finish, finish_batch_v2) name paths, which
// are checked. Deleting is allowed only inside Root or Root itself, and the
// suite deletes Root only after creating it itself (see the tests' newLive).
// So nothing outside the suite's own folder can be written, overwritten or
// deleted, whatever a test does. One request bypasses the Guard and cannot
// change anything: the call of a route that does not exist
// (checkUnknownRoute; its argument names a path inside Root anyway). The
// suite makes no users or sharing calls.
type Guard struct {
	files.ContextClient // nil: unreviewed calls panic
	Real                files.ContextClient
	Root                string
}

// NewGuard returns a Guard for root, which must have the form NewRoot gives.
func NewGuard(real files.ContextClient, root string) (*Guard, error) {
	if !rootPattern.MatchString(root) {
		return nil, fmt.Errorf("conformance: refusing root %q: not of the form /dropbox-post-conformance-<16 hex digits>", root)
	}
	return &Guard{Real: real, Root: root}, nil
}

// inside returns an error unless p is g.Root or a path below it.
func (g *Guard) inside(p string) error {
	if !rootPattern.MatchString(g.Root) {
		return fmt.Errorf("conformance: guard has no valid root (%q)", g.Root)
	}
	lp, lr := strings.ToLower(p), strings.ToLower(g.Root)
	if lp == lr {
		return nil
	}
	rest, ok := strings.CutPrefix(lp, lr+"/")
	if !ok || strings.Contains(p, `\`) {
		return fmt.Errorf("conformance: refusing %q: outside the suite's folder %q", p, g.Root)
	}
	for _, part := range strings.Split(rest, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("conformance: refusing %q: empty, . or .. component", p)
		}
	}
	return nil
}

// Path returns Root/rel, checked.
func (g *Guard) Path(rel string) string {
	p := g.Root + "/" + rel
	if err := g.inside(p); err != nil {
		panic(err)
	}
	return p
}

func (g *Guard) check(paths ...string) error {
	for _, p := range paths {
		if err := g.inside(p); err != nil {
			return err
		}
	}
	return nil
}

// UploadContext forwards files/upload inside Root.
func (g *Guard) UploadContext(ctx context.Context, arg *files.UploadArg, content io.Reader) (*files.FileMetadata, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, err
	}
	return g.Real.UploadContext(ctx, arg, content)
}

// UploadSessionStartContext forwards a session start (no path).
func (g *Guard) UploadSessionStartContext(ctx context.Context, arg *files.UploadSessionStartArg, content io.Reader) (*files.UploadSessionStartResult, error) {
	return g.Real.UploadSessionStartContext(ctx, arg, content)
}

// UploadSessionStartBatchContext forwards start_batch (no path).
func (g *Guard) UploadSessionStartBatchContext(ctx context.Context, arg *files.UploadSessionStartBatchArg) (*files.UploadSessionStartBatchResult, error) {
	return g.Real.UploadSessionStartBatchContext(ctx, arg)
}

// UploadSessionAppendV2Context forwards append_v2 (no path).
func (g *Guard) UploadSessionAppendV2Context(ctx context.Context, arg *files.UploadSessionAppendArg, content io.Reader) error {
	return g.Real.UploadSessionAppendV2Context(ctx, arg, content)
}

// UploadSessionAppendBatchContext forwards append_batch (no path).
func (g *Guard) UploadSessionAppendBatchContext(ctx context.Context, arg *files.UploadSessionAppendBatchArg, content io.Reader) (*files.UploadSessionAppendBatchResult, error) {
	return g.Real.UploadSessionAppendBatchContext(ctx, arg, content)
}

// UploadSessionFinishContext forwards a commit inside Root.
func (g *Guard) UploadSessionFinishContext(ctx context.Context, arg *files.UploadSessionFinishArg, content io.Reader) (*files.FileMetadata, error) {
	if err := g.check(arg.Commit.Path); err != nil {
		return nil, err
	}
	return g.Real.UploadSessionFinishContext(ctx, arg, content)
}

// UploadSessionFinishBatchV2Context forwards a batch commit whose every
// entry is inside Root.
func (g *Guard) UploadSessionFinishBatchV2Context(ctx context.Context, arg *files.UploadSessionFinishBatchArg) (*files.UploadSessionFinishBatchResult, error) {
	for _, e := range arg.Entries {
		if err := g.check(e.Commit.Path); err != nil {
			return nil, err
		}
	}
	return g.Real.UploadSessionFinishBatchV2Context(ctx, arg)
}

// CreateFolderV2Context forwards create_folder_v2 inside Root.
func (g *Guard) CreateFolderV2Context(ctx context.Context, arg *files.CreateFolderArg) (*files.CreateFolderResult, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, err
	}
	return g.Real.CreateFolderV2Context(ctx, arg)
}

// DeleteV2Context forwards delete_v2 inside Root (or of Root).
func (g *Guard) DeleteV2Context(ctx context.Context, arg *files.DeleteArg) (*files.DeleteResult, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, err
	}
	return g.Real.DeleteV2Context(ctx, arg)
}

// GetMetadataContext forwards get_metadata inside Root.
func (g *Guard) GetMetadataContext(ctx context.Context, arg *files.GetMetadataArg) (files.IsMetadata, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, err
	}
	return g.Real.GetMetadataContext(ctx, arg)
}

// ListFolderContext forwards list_folder inside Root.
func (g *Guard) ListFolderContext(ctx context.Context, arg *files.ListFolderArg) (*files.ListFolderResult, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, err
	}
	return g.Real.ListFolderContext(ctx, arg)
}

// ListFolderContinueContext forwards list_folder/continue (a cursor of a
// listing inside Root).
func (g *Guard) ListFolderContinueContext(ctx context.Context, arg *files.ListFolderContinueArg) (*files.ListFolderResult, error) {
	return g.Real.ListFolderContinueContext(ctx, arg)
}

// MoveV2Context forwards move_v2 when both paths are inside Root (the
// case-only rename of a folder the suite made).
func (g *Guard) MoveV2Context(ctx context.Context, arg *files.RelocationArg) (*files.RelocationResult, error) {
	if err := g.check(arg.FromPath, arg.ToPath); err != nil {
		return nil, err
	}
	return g.Real.MoveV2Context(ctx, arg)
}

// DownloadContext forwards files/download inside Root.
func (g *Guard) DownloadContext(ctx context.Context, arg *files.DownloadArg) (*files.FileMetadata, io.ReadCloser, error) {
	if err := g.check(arg.Path); err != nil {
		return nil, nil, err
	}
	return g.Real.DownloadContext(ctx, arg)
}
