package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// The guard is what keeps the live mode inside its own folder: these pin
// that it refuses every path outside it, whatever its spelling, and that a
// call it was not reviewed for never reaches the service.
func TestGuardRefusesOutside(t *testing.T) {
	root := NewRoot()
	g, err := NewGuard(nil, root) // nil Real: anything let through would panic
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"", "/", "/other", root + "x", root + "-other/f", root + "/../x", root + "/a/../../x", root + "/./a",
		root + "//a", root + "/a/", `\` + root[1:] + `\a`, root + `/a\..\..\x`, "id:abc", "rev:0123456789", "ns:1/x",
		"/Dropbox-Post-Conformance-0000000000000000/a",
	} {
		if err := g.inside(p); err == nil {
			t.Errorf("inside(%q) = nil, want a refusal", p)
		}
	}
	for _, p := range []string{root, root + "/a", root + "/a/b.txt", strings.ToUpper(root) + "/A"} {
		if err := g.inside(p); err != nil {
			t.Errorf("inside(%q) = %v", p, err)
		}
	}
	ctx := context.Background()
	if _, err := g.DeleteV2Context(ctx, files.NewDeleteArg("/studies")); err == nil {
		t.Error("delete_v2 outside the folder was let through")
	}
	if _, err := g.UploadContext(ctx, files.NewUploadArg("/studies/x"), nil); err == nil {
		t.Error("upload outside the folder was let through")
	}
	if _, err := g.MoveV2Context(ctx, files.NewRelocationArg(root+"/a", "/studies/a")); err == nil {
		t.Error("move_v2 out of the folder was let through")
	}
	if _, err := g.MoveV2Context(ctx, files.NewRelocationArg("/studies/a", root+"/a")); err == nil {
		t.Error("move_v2 into the folder from outside was let through")
	}
	batch := &files.UploadSessionFinishBatchArg{Entries: []*files.UploadSessionFinishArg{
		files.NewUploadSessionFinishArg(files.NewUploadSessionCursor("s", 0), files.NewCommitInfo(root+"/ok")),
		files.NewUploadSessionFinishArg(files.NewUploadSessionCursor("s", 0), files.NewCommitInfo("/elsewhere")),
	}}
	if _, err := g.UploadSessionFinishBatchV2Context(ctx, batch); err == nil {
		t.Error("finish_batch_v2 with one entry outside the folder was let through")
	}
	for _, bad := range []string{"/", "/dropbox-post-conformance-", "/dropbox-post-conformance-XYZ0000000000000", "/studies"} {
		if _, err := NewGuard(nil, bad); err == nil {
			t.Errorf("NewGuard accepted root %q", bad)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a call the guard was not reviewed for did not panic")
		}
	}()
	g.CopyV2Context(ctx, files.NewRelocationArg(root+"/a", root+"/b"))
}
