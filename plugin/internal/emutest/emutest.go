// Package emutest starts an in-process emulator for a test and gives a
// client for it, so that tests of different packages set one up the same
// way. (It lives beside the client's packages, not in internal/emulator,
// because it hands out the client's dbx.Client.)
package emutest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
)

// Token is the access token the emulator Start starts accepts.
const Token = "emutest-token"

// FastPolicy retries as dbx.DefaultPolicy does, without its long waits.
var FastPolicy = retry.Policy{MaxRetries: 5, InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	MaxRetryAfter: time.Minute, Retryable409Tags: []string{"too_many_write_operations"}}

// Start starts an emulator with o (plus Token) on a free loopback port,
// closed when the test ends, and returns it with a client that uses Token
// and retries as p says.
func Start(t testing.TB, o emulator.Options, p retry.Policy) (*emulator.Server, *dbx.Client) {
	t.Helper()
	o.Tokens = append(o.Tokens, Token)
	srv := Serve(t, o)
	return srv, Client(t, srv.URL(), dbx.Token{AccessToken: Token}, p)
}

// Serve starts an emulator with o on a free loopback port, closed when the
// test ends.
func Serve(t testing.TB, o emulator.Options) *emulator.Server {
	t.Helper()
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if _, err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return srv
}

// ServeBehind starts an emulator with o behind wrap (nil: none), the test's
// stand-in for a proxy or a server that answers some routes otherwise,
// served on a free loopback port; both are closed when the test ends. It
// returns the emulator and the base URL to give clients.
func ServeBehind(t testing.TB, o emulator.Options, wrap func(http.Handler) http.Handler) (*emulator.Server, string) {
	t.Helper()
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h := srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// Client returns a client of the emulator at base that uses tok and
// retries as p says (dbx.DefaultPolicy as the program does, or FastPolicy).
func Client(t testing.TB, base string, tok dbx.Token, p retry.Policy) *dbx.Client {
	t.Helper()
	u, err := dbx.ParseAPIURL(base, "--api-url")
	if err != nil {
		t.Fatal(err)
	}
	return dbx.New(dbx.Options{APIURL: u, Token: tok, Policy: &p})
}

// Upload puts data at path with files/upload (one call: up to 150 MB),
// failing the test on error.
func Upload(t testing.TB, c *dbx.Client, path string, data []byte) {
	t.Helper()
	if _, err := c.Files.UploadContext(context.Background(), files.NewUploadArg(path), bytes.NewReader(data)); err != nil {
		t.Fatalf("upload %s: %v", path, err)
	}
}

// Interrupted opens a concurrent upload session and appends to it the
// chunks acked of data (chunkSize bytes each, the last one shorter), as a
// run killed after Dropbox acknowledged them left it; it returns the
// session id.
func Interrupted(t testing.TB, c *dbx.Client, data []byte, chunkSize int64, acked ...int64) string {
	t.Helper()
	ctx := context.Background()
	arg := files.NewUploadSessionStartArg()
	arg.SessionType = &files.UploadSessionType{Tagged: dropbox.Tagged{Tag: files.UploadSessionTypeConcurrent}}
	res, err := c.Files.UploadSessionStartContext(ctx, arg, files.WithoutAutoContentHash(bytes.NewReader(nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range acked {
		a := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(res.SessionId, uint64(i*chunkSize)))
		if err := c.Files.UploadSessionAppendV2Context(ctx, a, bytes.NewReader(Chunk(data, chunkSize, i))); err != nil {
			t.Fatal(err)
		}
	}
	return res.SessionId
}

// Chunk returns chunk i of data, in chunks of chunkSize bytes.
func Chunk(data []byte, chunkSize, i int64) []byte {
	return data[i*chunkSize : min(int64(len(data)), (i+1)*chunkSize)]
}
