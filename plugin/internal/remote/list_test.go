package remote

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// resettingEmulator invalidates every listing cursor as the first n calls
// of list_folder/continue arrive, so that they answer reset.
func resettingEmulator(t *testing.T, n int) (*emulator.Server, *dbx.Client) {
	var mu sync.Mutex
	var srv *emulator.Server
	hook := func(e emulator.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Route == "files/list_folder/continue" && e.Phase == emulator.BeforeWork && n > 0 {
			n--
			srv.ResetCursors()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	srv, c := emutest.Start(t, emulator.Options{Hook: hook}, emutest.FastPolicy)
	return srv, c
}

func TestListingStartsAgainAfterReset(t *testing.T) {
	old := listLimit
	listLimit = 2 // pages of two, so that list_folder/continue is called
	t.Cleanup(func() { listLimit = old })
	srv, c := resettingEmulator(t, 2)
	for i := 0; i < 5; i++ {
		if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg(fmt.Sprintf("/d/f%d", i)), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := List(context.Background(), c.Files, "/d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Errorf("listed %d entries, want the folder and its 5 files: %v", len(got), got)
	}
	if n := srv.Stats().Routes["files/list_folder"].Requests; n != 3 {
		t.Errorf("list_folder called %d times, want 3 (the first listing and one per reset)", n)
	}
}

func TestListingGivesUpAfterRepeatedResets(t *testing.T) {
	old := listLimit
	listLimit = 1
	t.Cleanup(func() { listLimit = old })
	_, c := resettingEmulator(t, 100)
	for i := 0; i < 2; i++ {
		if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg(fmt.Sprintf("/d/f%d", i)), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := List(context.Background(), c.Files, "/d")
	if exit.CodeOf(err) != exit.Dropbox || !strings.Contains(err.Error(), "reset the listing") {
		t.Errorf("err = %v (code %d), want a Dropbox error about resets", err, exit.CodeOf(err))
	}
}
