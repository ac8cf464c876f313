package share

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/sharing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// start runs an emulator and returns it with a client holding tok.
func start(t *testing.T, tok dbx.Token) (*emulator.Server, *dbx.Client) {
	t.Helper()
	srv := emutest.Serve(t, emulator.Options{Tokens: []string{"test-token"}})
	if tok == (dbx.Token{}) {
		tok = dbx.Token{AccessToken: "test-token"}
	}
	return srv, emutest.Client(t, srv.URL(), tok, dbx.DefaultPolicy)
}

func TestLinkCreatesThenReuses(t *testing.T) {
	_, c := start(t, dbx.Token{})
	ctx := context.Background()
	emutest.Upload(t, c, "/study/results.csv", []byte("a,b\n1,2\n"))
	first, err := Link(ctx, c.Sharing, "/study/results.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "https://www.dropbox.com/scl/fi/") {
		t.Errorf("file link %q", first)
	}
	again, err := Link(ctx, c.Sharing, "/Study/RESULTS.csv")
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("second call gave %q, want the existing %q", again, first)
	}
	folder, err := Link(ctx, c.Sharing, "/study")
	if err != nil {
		t.Fatal(err)
	}
	if folder == first || !strings.Contains(folder, "/scl/fo/") {
		t.Errorf("folder link %q (file link %q)", folder, first)
	}
}

// noMetadata answers shared_link_already_exists without the link, as
// Dropbox does when it cannot return it.
type noMetadata struct{ sharing.ContextClient }

func (n noMetadata) CreateSharedLinkWithSettingsContext(ctx context.Context, arg *sharing.CreateSharedLinkWithSettingsArg) (sharing.IsSharedLinkMetadata, error) {
	md, err := n.ContextClient.CreateSharedLinkWithSettingsContext(ctx, arg)
	var ce sharing.CreateSharedLinkWithSettingsAPIError
	if errors.As(err, &ce) && ce.EndpointError != nil && ce.EndpointError.SharedLinkAlreadyExists != nil {
		ce.EndpointError.SharedLinkAlreadyExists = nil
		return nil, ce
	}
	return md, err
}

func TestLinkListsWhenDropboxOmitsTheExistingLink(t *testing.T) {
	srv, c := start(t, dbx.Token{})
	ctx := context.Background()
	emutest.Upload(t, c, "/a/b.txt", []byte("x"))
	emutest.Upload(t, c, "/a/c.txt", []byte("y"))
	parent, err := Link(ctx, c.Sharing, "/a") // a link above must not be taken for the file's
	if err != nil {
		t.Fatal(err)
	}
	want, err := Link(ctx, c.Sharing, "/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	got, err := Link(ctx, noMetadata{c.Sharing}, "/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got == parent {
		t.Errorf("got %q, want %q (parent's link %q)", got, want, parent)
	}
	if n := srv.Stats().Routes["sharing/list_shared_links"].Requests; n != 1 {
		t.Errorf("list_shared_links called %d times, want 1", n)
	}
}

func TestLinkErrors(t *testing.T) {
	srv, c := start(t, dbx.Token{})
	ctx := context.Background()
	_, err := Link(ctx, c.Sharing, "/nothing/here")
	if exit.CodeOf(err) != exit.Dropbox || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing path: %v (code %d)", err, exit.CodeOf(err))
	}
	if _, err := Link(ctx, c.Sharing, ""); exit.CodeOf(err) != exit.Usage {
		t.Errorf("root: %v", err)
	}

	// A credential authorised without the sharing scopes.
	emutest.Upload(t, c, "/x.txt", []byte("x"))
	rt, err := srv.NewRefreshToken("app", dbx.FileScopes...)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL())
	limited := dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AppKey: "app", RefreshToken: rt}})
	_, err = Link(ctx, limited.Sharing, "/x.txt")
	if exit.CodeOf(err) != exit.Auth {
		t.Fatalf("missing scope: %v (code %d)", err, exit.CodeOf(err))
	}
	for _, want := range []string{"sharing.write", "dropbox-post auth --share"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing scope: %q does not say %q", err, want)
		}
	}
}
