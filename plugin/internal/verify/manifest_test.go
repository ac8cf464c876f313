package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/manifest"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

// TestCheckManifest: an untouched destination matches; a changed, a
// deleted and an added file are each listed; files the recorded filters
// leave out, and files the manifest lists as kept, do not count.
func TestCheckManifest(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	m := &manifest.Manifest{Version: manifest.Version, Local: "/home/r/study/exp", Dest: "/demo", Kind: "folder",
		Filters: []filter.Spec{{From: "flags", Exclude: []string{"*.bin"}}}}
	for rel, content := range map[string]string{"a.csv": "a", "sub/b.csv": "b", "c d.csv": "c", "d.csv": "d"} {
		meta, err := c.Files.UploadContext(ctx, files.NewUploadArg("/demo/"+rel), strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, report.File{Local: rel, Dropbox: "/demo/" + rel, Size: int64(len(content)), Hash: meta.ContentHash, Rev: meta.Rev, Status: "uploaded"})
	}
	emutest.Upload(t, c, "/demo/model.bin", []byte("left out by the manifest's filter"))
	emutest.Upload(t, c, "/demo/kept.csv", []byte("Dropbox's version was kept"))
	m.Files = append(m.Files, report.File{Local: "kept.csv", Dropbox: "/demo/kept.csv", Size: 3, Hash: "00", Status: "kept"})
	path := writeManifest(t, m)

	res, err := CheckManifest(ctx, c, path, m)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Match() || res.Matched != 4 || res.Filtered != 1 {
		t.Fatalf("untouched: %+v", res)
	}

	arg := files.NewUploadArg("/demo/a.csv") // a new revision with other content
	arg.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeOverwrite}}
	if _, err := c.Files.UploadContext(ctx, arg, strings.NewReader("changed")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Files.DeleteV2Context(ctx, files.NewDeleteArg("/demo/sub/b.csv")); err != nil {
		t.Fatal(err)
	}
	emutest.Upload(t, c, "/demo/sub/new.csv", []byte("appeared"))
	res, err = CheckManifest(ctx, c, path, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Match() || paths(res.Different) != "a.csv" || paths(res.Missing) != "sub/b.csv" || paths(res.Extra) != "sub/new.csv" || res.Matched != 2 {
		t.Fatalf("changed: %s; vanished: %s; appeared: %s; matched %d", paths(res.Different), paths(res.Missing), paths(res.Extra), res.Matched)
	}
	var out bytes.Buffer
	res.WriteText(&out)
	for _, want := range []string{"differ: 2 the same, 1 changed, 1 vanished, 1 appeared", `  changed   "a.csv"`, `  vanished  "sub/b.csv"`, `  appeared  "sub/new.csv"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}

// TestCheckManifestFile: a single file's manifest checks that file only;
// other files beside it did not "appear".
func TestCheckManifestFile(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	meta, err := c.Files.UploadContext(ctx, files.NewUploadArg("/demo/summary.csv"), strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	emutest.Upload(t, c, "/demo/other.csv", []byte("another push's"))
	m := &manifest.Manifest{Version: manifest.Version, Local: "/s/post/summary.csv", Dest: "/demo", // no Kind: an older manifest
		Files: []report.File{{Local: "summary.csv", Dropbox: "/demo/summary.csv", Size: 1, Hash: meta.ContentHash, Status: "unchanged"}}}
	res, err := CheckManifest(ctx, c, writeManifest(t, m), m)
	if err != nil || !res.Match() || res.Matched != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
}

func writeManifest(t *testing.T, m *manifest.Manifest) string {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
