package dbx

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// EnvAPIURL is the environment variable that, like --api-url, sends every
// Dropbox request to another server (the emulator).
const EnvAPIURL = "DROPBOX_API_URL"

// ParseAPIURL checks an API URL override given by from ("--api-url" or
// the environment variable's name). Plain http:// is accepted only for
// loopback hosts (localhost, 127.0.0.0/8, ::1), decided from the text
// alone, before any connection or name lookup is tried, so that a token is
// never sent in clear over a network. Messages never repeat a password
// given in the URL.
func ParseAPIURL(s, from string) (*url.URL, error) {
	shown := redactURL(s)
	fix := "give a base URL such as http://127.0.0.1:8080 (the emulator) or https://host"
	if s != "" && !strings.Contains(s, "://") {
		host, _, _ := strings.Cut(s, "/")
		scheme := "https"
		if h, _, err := net.SplitHostPort(host); err == nil && isLoopback(h) || isLoopback(host) {
			scheme = "http"
		}
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q has no scheme", from, shown), fmt.Sprintf("did you mean %s://%s ?", scheme, shown))
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q is not a URL", from, shown), fix)
	}
	if u.User != nil {
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q has a user name or password in it (not shown)", from, shown),
			"give the server's base URL alone; dropbox-post sends its own credential")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q has a query or fragment (not shown)", from, shown), fix)
	}
	if before, _, found := strings.Cut(u.Path+"/", "/2/"); found {
		// The API version: the SDK adds /2/… to the base URL, so that
		// http://127.0.0.1:8080/2 would ask for /2/2/users/… and fail.
		base := *u
		base.Path = before
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q names an API path (/2…), which dropbox-post adds itself", from, shown),
			fmt.Sprintf("give the server's base URL: %s", redactURL(base.String())))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, exit.New(exit.Usage,
				fmt.Sprintf("%s %q uses plain http to a host that is not loopback", from, shown),
				"use https, or http only with localhost, 127.0.0.1 or [::1]: the access token would cross the network in clear")
		}
	default:
		return nil, exit.New(exit.Usage, fmt.Sprintf("%s %q: scheme must be http or https", from, shown), fix)
	}
	return u, nil
}

// redactURL returns a URL as it may be shown: without its user information
// (a password, perhaps), query and fragment (a token, perhaps), whether or
// not it parses. (url.URL.Redacted hides only the password.)
func redactURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found {
		scheme, rest = "", s
	}
	authority, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = authority[i+1:]
	}
	if path != "" || strings.HasSuffix(rest, "/") {
		authority += "/" + path
	}
	if found {
		return scheme + "://" + authority
	}
	return authority
}

// hostError is a transport error that names the host actually contacted.
// http.Client reports the URL the SDK asked for (a Dropbox host) even when
// the request went to an --api-url override; messages use this one.
type hostError struct {
	host string
	err  error
}

func (e *hostError) Error() string { return e.err.Error() }
func (e *hostError) Unwrap() error { return e.err }

// Timeout and Temporary keep what url.Error asks of its cause directly.
func (e *hostError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

func (e *hostError) Temporary() bool {
	var t interface{ Temporary() bool }
	return errors.As(e.err, &t) && t.Temporary()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dropboxHost reports whether host is one of Dropbox's API, content or
// OAuth hosts, which an API URL override replaces.
func dropboxHost(host string) bool {
	host = strings.ToLower(host)
	return strings.HasSuffix(host, ".dropboxapi.com") || host == "www.dropbox.com" || host == "api.dropbox.com"
}

// AuthorizeURL returns the OAuth authorize page for an SDK-built URL: the
// same URL, on the override host when there is one.
func AuthorizeURL(base *url.URL, sdkURL string) string {
	if base == nil {
		return sdkURL
	}
	u, err := url.Parse(sdkURL)
	if err != nil {
		return sdkURL
	}
	rewrite(u, base)
	return u.String()
}

func rewrite(u, base *url.URL) {
	u.Scheme = base.Scheme
	u.Host = base.Host
	u.Path = base.Path + u.Path
	if u.RawPath != "" {
		u.RawPath = base.EscapedPath() + u.RawPath
	}
}

// endpointTransport sends requests for Dropbox's hosts to base, when set, and
// makes the Dropbox-API-Arg header ASCII as the API requires (the Go SDK
// puts raw UTF-8 there). It is the one place where requests leave: it
// sends nothing in clear to a host that is not loopback, turns every
// redirect into an error (an *AnswerError), below the layers that add
// credentials, so that http.Client never follows one to another host, and
// caps the size of every answer but a download's content (capAnswer).
type endpointTransport struct {
	base      *url.URL // nil: talk to Dropbox
	userAgent string
	next      http.RoundTripper
}

func (t *endpointTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.base != nil && dropboxHost(r.URL.Hostname()) {
		rewrite(r.URL, t.base)
		r.Host = ""
	}
	if arg := r.Header.Get("Dropbox-API-Arg"); !isASCII(arg) {
		r.Header.Set("Dropbox-API-Arg", HeaderSafeJSON(arg))
	}
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	if r.URL.Scheme != "https" && !(r.URL.Scheme == "http" && isLoopback(r.URL.Hostname())) {
		// ParseAPIURL lets no such URL through, and no redirect is
		// followed: this holds whatever a server answers.
		return nil, &AnswerError{Host: r.URL.Host, What: "is not loopback, and the request would cross the network in clear: it was not sent"}
	}
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		resp.Body.Close()
		resp, err = nil, redirected(r.URL, resp)
	}
	if err == nil {
		if cerr := capAnswer(r, resp); cerr != nil {
			resp, err = nil, cerr
		}
	}
	if err != nil && r.URL.Host != req.URL.Host {
		err = &hostError{host: r.URL.Host, err: err}
	}
	return resp, err
}

// HeaderSafeJSON escapes a JSON text for an HTTP header as Dropbox asks:
// every character from U+007F up is written \uXXXX, characters outside the
// Basic Multilingual Plane as a UTF-16 surrogate pair. (The SDK's
// HTTPHeaderSafeJSON writes those as \u1f600, which is not JSON.)
func HeaderSafeJSON(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x7f:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f {
			return false
		}
	}
	return true
}
