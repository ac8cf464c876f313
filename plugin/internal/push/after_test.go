package push

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dbfiles "github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/statedir"
)

func TestVerifyAndShareAfterPush(t *testing.T) {
	_, c := startEmulator(t, emulator.Options{})
	files := results(30)
	root := study(t, files)
	manifests := t.TempDir()
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/v", Verify: true, Share: true, Manifests: statedir.At(manifests, 0o755)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Verified == nil || !*sum.Verified || len(sum.Mismatches) != 0 {
		t.Fatalf("verified %v, mismatches %v", sum.Verified, sum.Mismatches)
	}
	if !strings.HasPrefix(sum.Link, "http") {
		t.Fatalf("link %q", sum.Link)
	}
	var m manifest.Manifest
	data, _ := os.ReadFile(sum.Manifest)
	if json.Unmarshal(data, &m) != nil || m.Link != sum.Link {
		t.Fatalf("manifest link %q, want %q", m.Link, sum.Link)
	}
	// The link is reused, not made again.
	again, err := Run(context.Background(), c, Options{Local: root, Dest: "/v", Share: true})
	if err != nil || again.Link != sum.Link {
		t.Fatalf("second link %q (%v), want %q", again.Link, err, sum.Link)
	}
	// A single file's link is for the file.
	one, err := Run(context.Background(), c, Options{Local: filepath.Join(root, "exp00001/result/out-1.txt"), Dest: "/single", Share: true})
	if err != nil || one.Link == "" || one.Link == sum.Link {
		t.Fatalf("file link %q (%v)", one.Link, err)
	}
}

// TestVerifyNoticesWhatIsNotThere: files removed from Dropbox behind the
// plan's back (between listing and verifying), at the top and in a
// sub-folder (listed as a part: remote.ListParts), fail --verify with
// exit 9.
func TestVerifyNoticesWhatIsNotThere(t *testing.T) {
	_, c := startEmulator(t, emulator.Options{})
	root := study(t, map[string][]byte{"a.csv": []byte("1"), "b.csv": []byte("2"), "sub/c.csv": []byte("3"), "sub/d.csv": []byte("4")})
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/w"}); err != nil {
		t.Fatal(err)
	}
	// Everything is unchanged, so nothing is sent; but Dropbox loses b.csv
	// while the push runs: the progress line saying that it verifies is the
	// moment (it comes before the listing that verifies).
	deleted := false
	at := writerFunc(func(p []byte) (int, error) {
		if strings.HasPrefix(string(p), "verifying") && !deleted {
			for _, p := range []string{"/w/b.csv", "/w/sub/d.csv"} {
				if _, err := c.Files.DeleteV2Context(context.Background(), dbfiles.NewDeleteArg(p)); err != nil {
					t.Error(err)
				}
			}
			deleted = true
		}
		return len(p), nil
	})
	prog := progress.New(at, progress.Options{Manual: true})
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/w", Verify: true, Progress: prog})
	if !deleted {
		t.Fatal("the progress never said it verifies")
	}
	if exit.CodeOf(err) != exit.Mismatch || sum.Verified == nil || *sum.Verified || len(sum.Mismatches) != 2 || sum.Mismatches[0].Local != "b.csv" || sum.Mismatches[1].Local != "sub/d.csv" {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
