package emulator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// The tests drive the emulator through the official Go SDK, pointed at it
// with Config.URLGenerator (and, for OAuth, an http.Client whose transport
// sends https://*.dropboxapi.com to the emulator), as code under test
// would be pointed at it.

const testToken = "test-token"

// start runs an emulator for the test and returns it with its base URL.
func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{testToken}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, base
}

// config returns an SDK config that talks to the emulator at base.
func config(base, token string) dropbox.Config {
	return dropbox.Config{
		Token: token,
		URLGenerator: func(hostType, namespace, route string) string {
			return base + "/2/" + namespace + "/" + route
		},
	}
}

func filesClient(base string) files.Client { return files.New(config(base, testToken)) }

// rewriteTransport sends requests for Dropbox's hosts to the emulator.
type rewriteTransport struct{ base *url.URL }

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Host, "dropboxapi.com") || strings.HasSuffix(r.URL.Host, "dropbox.com") {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = rt.base.Scheme, rt.base.Host
		r.Host = rt.base.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

func rewritingClient(t *testing.T, base string) *http.Client {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rewriteTransport{u}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// upload puts data at path with mode add.
func upload(t *testing.T, c files.Client, path string, data []byte) *files.FileMetadata {
	t.Helper()
	m, err := c.Upload(files.NewUploadArg(path), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload %s: %v", path, err)
	}
	return m
}

func hashOf(data []byte) string {
	h, _ := contenthash.Compute(bytes.NewReader(data))
	return h
}

// pattern returns n bytes that differ from position to position.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

// raw sends a request and returns the status, headers and body.
func raw(t *testing.T, method, target string, header map[string]string, body []byte) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a hang guard, generous for a loaded machine
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// rpcHeaders are the headers of an authorized RPC call.
func rpcHeaders() map[string]string {
	return map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}
}

// as is errors.As for value types.
func as[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}
