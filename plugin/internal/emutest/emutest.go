// Package emutest starts an in-process emulator for a test and gives a
// client for it, so that tests of different packages set one up the same
// way.
package emutest

import (
	"testing"
	"time"

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
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, err := dbx.ParseAPIURL(base, "--api-url")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	c := dbx.New(dbx.Options{APIURL: u, Token: dbx.Token{AccessToken: Token}, Policy: &p})
	t.Cleanup(func() { srv.Close() })
	return srv, c
}
