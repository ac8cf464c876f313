package conformance

import (
	"context"
	"flag"
	"fmt"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/oauth"
	"golang.org/x/oauth2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// live runs the suite against the real Dropbox (make conformance passes it
// when DROPBOX_TEST_* credentials are set). Without it, make test and make
// conformance run the suite against the emulator only.
var live = flag.Bool("live", false, "run against the real Dropbox with DROPBOX_TEST_APP_KEY and DROPBOX_TEST_REFRESH_TOKEN (or DROPBOX_TEST_ACCESS_TOKEN)")

// backend is one service the suite runs against.
type backend struct {
	name string
	live bool
	// strict: an emulator in every strict mode, where each unconfirmed
	// point must come out the other way.
	strict bool
	c      *dbx.Client // its Files is g
	// apiURL is where the emulator serves the API; nil for Dropbox.
	apiURL *url.URL
	// bearer returns an access token for the one request the SDK cannot
	// make (raw UTF-8 in Dropbox-API-Arg); it is never printed.
	bearer func() (string, error)
	g      *Guard
	// resetCursors makes every listing cursor stale; nil where that cannot
	// be provoked (the real service).
	resetCursors func()
	// throttled returns a client without retries whose requests are
	// answered 429; nil where that cannot be provoked.
	throttled func(t *testing.T) *dbx.Client
	// listings returns the client that lists for the listing-hash check:
	// nil for c itself. (The strict emulator's listings leave content_hash
	// out on an emulator of their own: with commits leaving it out too,
	// nothing could check a commit.)
	listings func(t *testing.T) *dbx.Client
}

// newEmulator returns the emulator backend, in its strict modes or not.
func newEmulator(t *testing.T, strict bool) *backend {
	o := emulator.Options{}
	name := "emulator"
	if strict {
		name = "emulator (strict modes)"
		o.Strict = emulator.Strict{FinishBatchConcurrent: true, RefuseEmptyAppend: emulator.RefuseRequest,
			OmitContentHash: true, RefuseEmptyChunked: true}
	}
	srv, c := emutest.Start(t, o, emutest.FastPolicy)
	b := &backend{name: name, strict: strict, resetCursors: srv.ResetCursors}
	if strict {
		b.listings = func(t *testing.T) *dbx.Client {
			_, c := emutest.Start(t, emulator.Options{Strict: emulator.Strict{OmitListingHash: true}}, emutest.FastPolicy)
			return c
		}
	}
	b.throttled = func(t *testing.T) *dbx.Client {
		_, c := emutest.Start(t, emulator.Options{ThrottleRate: 1, RetryAfter: 3 * time.Second}, retry.Policy{MaxRetries: 0})
		return c
	}
	b.setUp(t, c)
	return b
}

// newLive returns the real Dropbox backend, from DROPBOX_TEST_* variables.
// It fails (never skips quietly) when they are missing.
func newLive(t *testing.T) *backend {
	tok := dbx.Token{
		AppKey:       os.Getenv("DROPBOX_TEST_APP_KEY"),
		AppSecret:    os.Getenv("DROPBOX_TEST_APP_SECRET"),
		RefreshToken: os.Getenv("DROPBOX_TEST_REFRESH_TOKEN"),
		AccessToken:  os.Getenv("DROPBOX_TEST_ACCESS_TOKEN"),
	}
	if !tok.Refreshable() && tok.AccessToken == "" {
		t.Fatal("-live needs DROPBOX_TEST_APP_KEY and DROPBOX_TEST_REFRESH_TOKEN (or DROPBOX_TEST_ACCESS_TOKEN)")
	}
	if tok.Refreshable() {
		tok.AccessToken = ""
	}
	b := &backend{name: "Dropbox", live: true, bearer: liveBearer(tok)}
	b.setUp(t, dbx.New(dbx.Options{Token: tok, UserAgent: "dropbox-post-conformance"}))
	return b
}

// liveBearer returns the access token of tok, refreshed first when tok
// has a refresh token.
func liveBearer(tok dbx.Token) func() (string, error) {
	return func() (string, error) {
		if !tok.Refreshable() {
			return tok.AccessToken, nil
		}
		var opts []oauth.Option
		if tok.AppSecret != "" {
			opts = append(opts, oauth.WithAppSecret(tok.AppSecret))
		}
		t, err := oauth.Refresh(context.Background(), tok.AppKey, &oauth2.Token{RefreshToken: tok.RefreshToken}, opts...)
		if err != nil {
			return "", err
		}
		return t.AccessToken, nil
	}
}

// setUp makes the suite's folder: a fresh name that must not exist yet
// (else the run stops without touching it), created here, and deleted
// when the test ends (only then: a folder the suite did not create is
// never deleted).
//
// Live safety, reviewed line by line (with Guard's own review): the
// backend's client is a copy of c whose Files is the Guard, so every files
// call of every check (and of transfer.Upload and remote.List, which
// checkClient runs on that client) is confined to the folder; the cleanup
// deletes through the Guard too; the Sharing and Users clients are not
// used; the requests outside the Guard are checkUnknownRoute's (a route
// that does not exist), askMalformedToken's (users/get_current_account
// with a token of three letters) and askRawUTF8Arg's (one files/upload in
// "add" mode, its path checked by the Guard first, the token sent only to
// Dropbox's content host); reset and 429 are not provoked on the real service
// (resetCursors and throttled are nil there). Nothing else is written,
// overwritten or deleted.
func (b *backend) setUp(t *testing.T, c *dbx.Client) {
	t.Helper()
	ctx := context.Background()
	g, err := NewGuard(c.Files, NewRoot())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.GetMetadataContext(ctx, files.NewGetMetadataArg(g.Root)); !dbx.HasTag(err, "not_found") {
		t.Fatalf("%s already exists or cannot be looked up (%v): stopping without touching it", g.Root, err)
	}
	if _, err := g.CreateFolderV2Context(ctx, files.NewCreateFolderArg(g.Root)); err != nil {
		t.Fatalf("creating %s: %v", g.Root, err)
	}
	t.Cleanup(func() {
		if _, err := g.DeleteV2Context(context.Background(), files.NewDeleteArg(g.Root)); err != nil {
			t.Errorf("deleting the suite's folder %s: %v (delete it by hand)", g.Root, err)
			return
		}
		if b.live {
			fmt.Printf("conformance: deleted %s and everything in it\n", g.Root)
		}
	})
	if b.live {
		fmt.Printf("conformance: working in %s on the real Dropbox\n", g.Root)
	}
	guarded := *c
	guarded.Files = g
	b.c, b.g = &guarded, g
}

// verdicts of a row.
const (
	asAssumed   = "as assumed"
	differs     = "DIFFERS"
	notProvoked = "not provoked"
)

// row is one assumption and what the service answered.
type row struct {
	assumption string
	answer     string
	verdict    string
	// unconfirmed: an assumption nobody here could confirm, which the
	// client survives either way (the fallback says how).
	unconfirmed bool
	fallback    string
}

type table struct {
	mu   sync.Mutex
	rows []row
}

func (tb *table) add(r row) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.rows = append(tb.rows, r)
}

// print writes the table for backend name.
func (tb *table) print(name string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\nconformance against %s:\n", name)
	fmt.Fprintf(&b, "%-4s %-64s %-12s %s\n", "", "assumption", "verdict", "answer")
	for i, r := range tb.rows {
		fmt.Fprintf(&b, "%-4d %-64s %-12s %s\n", i+1, r.assumption, r.verdict, r.answer)
		if r.verdict == differs && r.unconfirmed {
			fmt.Fprintf(&b, "%-4s %-64s %-12s the client falls back: %s\n", "", "(unconfirmed point)", "", r.fallback)
		}
	}
	fmt.Print(b.String())
}

// answerOf describes an error as the service gave it.
func answerOf(err error) string {
	if err == nil {
		return "success"
	}
	if s := dbx.Summary(err); s != "" {
		return fmt.Sprintf("error %q", strings.TrimRight(s, "/."))
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return fmt.Sprintf("error %q", s)
}
