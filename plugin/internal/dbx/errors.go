package dbx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// Summary returns Dropbox's error_summary for an endpoint error of the SDK
// (any XxxAPIError, which embeds dropbox.APIError), or "".
func Summary(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				continue
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		f := v.FieldByName("APIError")
		if f.IsValid() && f.Type() == reflect.TypeOf(dropbox.APIError{}) {
			return f.Interface().(dropbox.APIError).ErrorSummary
		}
	}
	return ""
}

// HasTag reports whether err is a Dropbox error that carries tag: one of
// the tags of its error union as the SDK decoded it ({".tag": "path",
// "path": {".tag": "not_found"}} has "path" and "not_found"). Only an
// error without a decoded union (a batch entry's failure, which the client
// describes itself) is read from its error_summary. Dropbox's summaries
// end in a varying number of dots and are for people: the client reads
// tags (see docs/real-dropbox.md).
func HasTag(err error, tag string) bool {
	tags, decoded := unionTags(err)
	if !decoded {
		tags = strings.Split(Summary(err), "/")
		for i := range tags {
			tags[i] = strings.TrimRight(tags[i], ".")
		}
	}
	return slices.Contains(tags, tag)
}

// tagPath is what a Dropbox endpoint error says, as its tags joined by
// "/" ("path/not_found"), or "" for an error that is not one.
func tagPath(err error) string {
	if tags, decoded := unionTags(err); decoded {
		return strings.Join(tags, "/")
	}
	return strings.TrimRight(Summary(err), "/.")
}

// unionTags returns the tags of the error union an SDK error holds (its
// EndpointError, AuthError or RateLimitError), outermost first, and
// whether it holds one.
func unionTags(err error) ([]string, bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				continue
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct || !v.FieldByName("APIError").IsValid() {
			continue
		}
		var tags []string
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "APIError" {
				tags = appendTags(tags, v.Field(i), 0)
			}
		}
		return tags, len(tags) > 0
	}
	return nil, false
}

var taggedType = reflect.TypeOf(dropbox.Tagged{})

// appendTags adds the tags found in v, a decoded union of the SDK (a
// struct that embeds dropbox.Tagged, and whose members are pointers to
// the values of the tags they are named for) and what it holds.
func appendTags(tags []string, v reflect.Value, depth int) []string {
	if depth > 16 {
		return tags
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return tags
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return tags
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		switch {
		case !f.IsExported():
		case f.Type == taggedType:
			if tag := v.Field(i).Interface().(dropbox.Tagged).Tag; tag != "" {
				tags = append(tags, tag)
			}
		case f.Type.Kind() == reflect.Pointer || f.Type.Kind() == reflect.Interface || f.Type.Kind() == reflect.Struct:
			tags = appendTags(tags, v.Field(i), depth+1)
		}
	}
	return tags
}

// summaryHelp explains error_summary tags a user can act on.
var summaryHelp = []struct{ tag, what, fix string }{
	{"insufficient_space", "the Dropbox account is full", "free space on Dropbox or choose another account"},
	{"no_write_permission", "the app may not write there", "check that dest is inside the app's folder, or give the app full Dropbox access"},
	{"disallowed_name", "Dropbox does not allow that file name", "rename the file"},
	{"malformed_path", "Dropbox cannot store that path", "rename the file or folder (no trailing spaces or dots, no backslashes)"},
	{"not_found", "the Dropbox path does not exist", "check the path (Dropbox paths start with /)"},
	{"not_file", "the Dropbox path is a folder, not a file", "give a file path"},
	{"not_folder", "the Dropbox path is a file, not a folder", "give a folder path"},
	{"conflict", "a file or folder is already there", "choose another dest, or remove what is there"},
	{"too_many_write_operations", "Dropbox is busy with other writes to this account", "try again in a minute"},
	{"content_hash_mismatch", "the data Dropbox received was corrupted in transit", "run again; only what is missing is sent"},
	{"email_not_verified", "the Dropbox account's e-mail address is not verified", "verify it on dropbox.com"},
	{"shared_link_access_denied", "the app may not create shared links", "enable sharing.write in the App Console, then run 'dropbox-post auth' again"},
}

// Explain turns an error from a Dropbox call into an error for the user:
// what failed (doing says what we were doing), why, and what to do. It
// never includes a token, and every text the server chose (error
// summaries, tags, bodies) is quoted (Go %q). doing should quote the names
// it holds.
func Explain(err error, doing string) error {
	if err == nil {
		return nil
	}
	var ee *exit.Error
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return exit.Wrap(exit.Interrupted, err, doing+": interrupted", "run the same command again to finish; only what is missing is sent")
	}
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		return exit.Wrap(exit.Unreachable, err, doing+": "+unreachable.Error(),
			"check the network connection (and --api-url or DROPBOX_API_URL, if set) and run again (a push sends only what is missing); --network-timeout or DROPBOX_POST_NETWORK_TIMEOUT waits longer")
	}
	var answer *AnswerError
	if errors.As(err, &answer) {
		return exit.Wrap(exit.Protocol, err, doing+": "+answer.Error(), unexpectedFix)
	}
	var re *RefreshError
	if errors.As(err, &re) {
		if code := re.OAuthCode(); code != "" {
			return exit.Wrap(exit.Auth, err,
				fmt.Sprintf("%s: Dropbox refused the refresh token (%q)", doing, code),
				"it was revoked, or belongs to another app key: run 'dropbox-post auth' to make a new key file")
		}
		return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: could not refresh the access token: %s", doing, netText(re.Err)), "check the network and try again")
	}
	var ae auth.AuthAPIError
	if errors.As(err, &ae) && ae.AuthError != nil {
		switch tag := ae.AuthError.Tag; tag {
		case auth.AuthErrorExpiredAccessToken:
			return exit.Wrap(exit.Auth, err, doing+": the Dropbox access token has expired",
				"access tokens from the App Console last a few hours; make a key file that refreshes itself with 'dropbox-post auth'")
		case auth.AuthErrorMissingScope:
			scope := ""
			if ae.AuthError.MissingScope != nil {
				scope = " " + strconv.Quote(ae.AuthError.MissingScope.RequiredScope)
			}
			return exit.Wrap(exit.Auth, err, doing+": the Dropbox app lacks the permission"+scope,
				"enable it in the App Console (Permissions tab), then run 'dropbox-post auth' again")
		default:
			return exit.Wrap(exit.Auth, err, fmt.Sprintf("%s: Dropbox refused the credential (%q)", doing, tag),
				"check that the credential is a current one of this app, or make a key file that lasts with 'dropbox-post auth'")
		}
	}
	var rl auth.RateLimitAPIError
	if errors.As(err, &rl) {
		return exit.Wrap(exit.Dropbox, err, doing+": Dropbox is rate-limiting this app and retries did not help", "wait a few minutes and run again")
	}
	var se auth.ServerError
	var ie dropbox.SDKInternalError
	if errors.As(err, &se) || errors.As(err, &ie) && ie.StatusCode >= 500 {
		return exit.Wrap(exit.Dropbox, err, doing+": Dropbox had a server error and retries did not help", "try again later")
	}
	var br auth.BadRequest
	if errors.As(err, &br) {
		// Dropbox answers a malformed token with 400, in plain text.
		if text := strings.ToLower(br.ErrorSummary); strings.Contains(text, "access token") || strings.Contains(text, "authorization") {
			return exit.Wrap(exit.Auth, err, fmt.Sprintf("%s: Dropbox refused the credential as malformed: %q", doing, Clip(firstLine(br.ErrorSummary))),
				"check that the key file or DROPBOX_ACCESS_TOKEN holds a whole token, or make a new key file with 'dropbox-post auth'")
		}
		return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: the server refused the request as malformed (HTTP 400): %q", doing, Clip(firstLine(br.ErrorSummary))),
			"if --api-url or DROPBOX_API_URL is set, check that server; if this was Dropbox itself, please report it (a bug in dropbox-post), with this message")
	}
	if s := tagPath(err); s != "" {
		s = Clip(s)
		for _, h := range summaryHelp {
			if HasTag(err, h.tag) {
				return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: %s (%q)", doing, h.what, s), h.fix)
			}
		}
		return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: Dropbox said %q", doing, s), "")
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return exit.Wrap(exit.Protocol, err, fmt.Sprintf("%s: the server's answer is not the JSON Dropbox sends (%q)", doing, Clip(err.Error())), unexpectedFix)
	}
	// A local file that could not be opened or read (an *fs.PathError, whose
	// errno would otherwise pass for a net.Error) is no network problem.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return exit.Wrap(exit.Local, err, fmt.Sprintf("%s: %s %q: %v", doing, pe.Op, pe.Path, pe.Err), "")
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: %s", doing, netText(err)), "check the network (or --api-url) and run again; only what is missing is sent")
	}
	if errors.As(err, &ie) && ie.StatusCode == http.StatusNotFound {
		// Dropbox answers an unknown route with 400; a 404 is a server
		// that has no such path: an --api-url with a path the server does
		// not serve, or something that is not Dropbox's API.
		return exit.Wrap(exit.Protocol, err, fmt.Sprintf("%s: the server answered HTTP 404 (no such path), which Dropbox's API never answers: %q", doing, Clip(firstLine(ie.Content))),
			"check --api-url or DROPBOX_API_URL: it is the server's base URL, such as http://127.0.0.1:8080 for the emulator, to which dropbox-post adds /2/<route> (a path in it is kept, for a server that serves the API under one)")
	}
	if errors.As(err, &ie) {
		return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: Dropbox answered HTTP %d: %q", doing, ie.StatusCode, Clip(firstLine(ie.Content))), "")
	}
	return exit.Wrap(exit.Dropbox, err, fmt.Sprintf("%s: %s", doing, Clip(firstLine(err.Error()))), "")
}

// netText describes a network error by the host actually contacted (the
// --api-url override's, not Dropbox's, when there is one), without the
// request URL's path or query.
func netText(err error) string {
	var se *StallError
	if errors.As(err, &se) {
		return se.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		host := redactURL(ue.URL)
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		var he *hostError
		if errors.As(err, &he) {
			host = he.host
		}
		return fmt.Sprintf("could not reach %s: %v", host, ue.Err)
	}
	return err.Error()
}
