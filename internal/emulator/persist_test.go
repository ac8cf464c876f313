package emulator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/filetransfer"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/oauth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"
	"github.com/librec-auto/dropbox-post/internal/emulator/store"
	"golang.org/x/oauth2"
)

func TestDataDirSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s1, base := start(t, Options{DataDir: dir})
	c := filesClient(base)
	small := upload(t, c, "/Keep/Small.txt", []byte("small"))
	upload(t, c, "/Keep/gone.txt", []byte("gone"))
	over := files.NewUploadArg("/Keep/Small.txt")
	over.Mode.Tag = files.WriteModeOverwrite
	small2, err := c.Upload(over, bytes.NewReader([]byte("small, again")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteV2(files.NewDeleteArg("/keep/gone.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFolderV2(files.NewCreateFolderArg("/Empty")); err != nil {
		t.Fatal(err)
	}
	big := pattern(9<<20, 6)
	if _, err := filetransfer.NewUploader(files.NewContext(config(base, testToken))).Upload(context.Background(),
		filetransfer.BytesUpload(big), files.NewCommitInfo("/Keep/big.bin"), filetransfer.UploadOptions{ParallelUploads: 3}); err != nil {
		t.Fatal(err)
	}
	link, err := sharing.New(config(base, testToken)).CreateSharedLinkWithSettings(sharing.NewCreateSharedLinkWithSettingsArg("/Keep/Small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := s1.NewRefreshToken("app")
	if err != nil {
		t.Fatal(err)
	}
	before := s1.Files()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	// A write cut short by a crash leaves a torn last line.
	f, err := os.OpenFile(filepath.Join(dir, store.JournalName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"op":"file","path":"/torn`)
	f.Close()
	// And content nobody refers to is cleaned up.
	os.WriteFile(filepath.Join(dir, "blobs", "orphan"), []byte("x"), 0o600)

	s2, base2 := start(t, Options{DataDir: dir})
	after := s2.Files()
	if len(after) != 2 || len(before) != 2 {
		t.Fatalf("files before %v, after %v", before, after)
	}
	for i := range after {
		if after[i] != before[i] {
			t.Errorf("file changed across restart:\n%+v\n%+v", before[i], after[i])
		}
	}
	c2 := filesClient(base2)
	m, err := c2.GetMetadata(files.NewGetMetadataArg("/keep/small.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if fm := m.(*files.FileMetadata); fm.Rev != small2.Rev || fm.Id != small.Id || fm.PathDisplay != "/Keep/Small.txt" {
		t.Errorf("metadata after restart %+v", fm)
	}
	if _, data, _ := s2.File("/keep/big.bin"); !bytes.Equal(data, big) {
		t.Error("big file differs after restart")
	}
	if _, err := c2.GetMetadata(files.NewGetMetadataArg("/Empty")); err != nil {
		t.Errorf("empty folder lost: %v", err)
	}
	if _, err := c2.GetMetadata(files.NewGetMetadataArg("/keep/gone.txt")); err == nil {
		t.Error("deleted file came back")
	}
	links, err := sharing.New(config(base2, testToken)).ListSharedLinks(&sharing.ListSharedLinksArg{Path: "/keep/small.txt"})
	if err != nil || len(links.Links) != 1 {
		t.Fatalf("links after restart: %+v %v", links, err)
	}
	if fl, ok := links.Links[0].(*sharing.FileLinkMetadata); !ok || fl.Url != link.(*sharing.FileLinkMetadata).Url {
		t.Errorf("link after restart %#v", links.Links[0])
	}
	if _, err := oauth.Refresh(context.Background(), "app", &oauth2.Token{RefreshToken: rt}, oauth.WithHTTPClient(rewritingClient(t, base2))); err != nil {
		t.Errorf("refresh token lost: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "orphan")); !os.IsNotExist(err) {
		t.Error("orphan content kept")
	}
	// New versions get new revisions.
	again, err := c2.Upload(over, bytes.NewReader([]byte("third")))
	if err != nil || again.Rev == small2.Rev || again.Rev == small.Rev {
		t.Errorf("rev after restart: %v %v", again, err)
	}
}

func TestDamagedJournalIsRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, store.JournalName), []byte("not json\n{\"op\":\"folder\",\"path\":\"/a\",\"id\":\"id:x\",\"seq\":1}\n"), 0o600)
	if _, err := New(Options{DataDir: dir}); err == nil {
		t.Fatal("a damaged journal was accepted")
	}
}
