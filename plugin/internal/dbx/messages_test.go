package dbx

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// A host that cannot be reached is named as contacted, the --api-url
// override's, not api.dropboxapi.com.
func TestNetworkErrorNamesTheHostContacted(t *testing.T) {
	addr := closedPort(t)
	u, _ := url.Parse("http://" + addr)
	c := New(Options{APIURL: u, Token: Token{AccessToken: "sl.x-token"}, Reach: NewReach(0, nil)})
	_, err := c.Users.GetCurrentAccountContext(context.Background())
	e := Explain(err, "checking the account")
	if exit.CodeOf(e) != exit.Unreachable || !strings.Contains(e.Error(), `checking the account: cannot reach "`+addr+`": connection refused`) ||
		strings.Contains(e.Error(), "dropboxapi.com") {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}

// An API URL is shown without user information, query or fragment.
func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://h.invalid":                          "https://h.invalid",
		"https://u:pw@h.invalid/p?token=x#frag":      "https://h.invalid/p",
		"http://127.0.0.1:8080/?access_token=s3cr3t": "http://127.0.0.1:8080/",
		"u:pw@h.invalid:1?x":                         "h.invalid:1",
		"http://a@b@h.invalid/x@y":                   "http://h.invalid/x@y",
		"%zz://u:pw@h?q":                             "%zz://h",
	}
	for in, want := range cases {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"http://127.0.0.1:8080/?access_token=s3cr3t", "http://127.0.0.1:8080/#s3cr3t", "https://u:s3cr3t@h.invalid", "h.invalid/?s3cr3t"} {
		_, err := ParseAPIURL(s, "--api-url")
		if err == nil || strings.Contains(err.Error(), "s3cr3t") || exit.CodeOf(err) != exit.Usage {
			t.Errorf("ParseAPIURL(%q) = %v", s, err)
		}
	}
}

// A local file that cannot be read is a local problem (10), not a network
// one, though its errno would pass for a net.Error.
func TestLocalFileErrorIsNotANetworkError(t *testing.T) {
	err := fmt.Errorf("sending: %w", &fs.PathError{Op: "open", Path: "/s/a\x1b[2J.csv", Err: fs.ErrNotExist})
	e := Explain(err, "pushing post")
	if exit.CodeOf(e) != exit.Local || strings.Contains(e.Error(), "network") || !strings.Contains(e.Error(), `open "/s/a\x1b[2J.csv": file does not exist`) {
		t.Fatalf("explained as %q (code %d)", e, exit.CodeOf(e))
	}
}
