package emulator

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Answers are ways in which the real Dropbox answers otherwise than a kind
// server would, each as the strictest credible report says; the evidence
// is beside each field. Each is off in the zero value. (The service's
// limits are Limits; answers nobody could confirm either way, Strict.)
type Answers struct {
	// Documents are paths where the emulator puts, as it starts, a
	// document made in Dropbox's web app (a Paper or Google document):
	// listings and get_metadata show it with "is_downloadable": false,
	// export_info and no content_hash, and files/download answers 409
	// unsupported_file.
	//
	// Evidence: files.stone, FileMetadata.is_downloadable ("If true, file
	// can be downloaded directly; else the file must be exported"),
	// export_info ("must be set if is_downloadable is set to false") and
	// DownloadError.unsupported_file ("This file type cannot be downloaded
	// directly; use export instead"); the Dropbox blog "Google Docs,
	// Sheets, and Slides with the Dropbox API" (2019-06-07: such entries
	// have a size and no content_hash, and "files/download … will return
	// an unsupported_file exception"); rclone#8370 (Paper documents, 2025).
	Documents []string
	// Restricted are paths where it puts, as it starts, a file that is
	// listed as any other but whose download Dropbox refuses with 409
	// path/restricted_content.
	//
	// Evidence: files.stone, LookupError.restricted_content ("The file
	// cannot be transferred because the content is restricted. For
	// example, we might restrict a file due to legal requirements.");
	// rclone's Dropbox docs, Limitations ("path/restricted_content/.",
	// files flagged by the copyright detector).
	Restricted []string
	// MalformedToken answers an access token the emulator does not know
	// with 400, in plain text: 'Error in call to API function "ROUTE":
	// The given OAuth 2 access token is malformed.', instead of 401
	// invalid_access_token. MalformedShape does so for a token that does
	// not look like one of Dropbox's (shorter than 64 characters, or with
	// a character other than letters, digits, '.', '_' and '-');
	// MalformedAll for every unknown token. Which tokens the real service
	// calls malformed is unconfirmed (make conformance asks).
	//
	// Evidence: trezor/trezor-suite's test of its Dropbox errors
	// (packages/suite-web/e2e/tests/metadata/dropbox-api-errors.test.ts)
	// mocks Dropbox with status 400, Content-Type "text/plain;
	// charset=utf-8" and that body; other projects' tests match the same
	// text on files/download, files/get_temporary_link and check/user;
	// the Python SDK (dropbox_client.py) reads a 400 as text.
	MalformedToken string
	// RateLimitText answers the 429 too_many_requests of --throttle-rate
	// (and of ListConcurrency) in plain text, with Retry-After and no
	// JSON body.
	//
	// Evidence: Dropbox's "Rate Limits, Retries, and Data Ingress at
	// Scale" guide: "the body of a 429 response may be JSON or plain
	// text… You can assume that a plain text response is equivalent to
	// too_many_requests"; the DBX Performance Guide: "Rate limited
	// responses always include a Retry-After header". The exact text of
	// the body is unconfirmed.
	RateLimitText bool
	// SummaryNoise ends every error_summary (409, 401 and 429 in JSON)
	// with "/" and 0 to 3 dots, drawn at random for each answer.
	//
	// Evidence: one run logged in MasterSoft24/CloudCross#63 got
	// "path/disallowed_name/..", "path/disallowed_name/" and
	// "path/disallowed_name/."; dropbox-sdk-go-unofficial#33 shows
	// "too_many_write_operations/."; the HTTP documentation's examples
	// have "/..." and "/..". A client reads the tags of "error", never
	// the summary.
	SummaryNoise bool
	// ListConcurrency answers 429 too_many_requests to a list_folder or
	// list_folder/continue call made while an identical one (same token,
	// same argument) is still being answered.
	//
	// Evidence: files.stone, route list_folder: "auth.RateLimitError may
	// be returned if multiple list_folder or list_folder/continue calls
	// with same parameters are made simultaneously by same API app for
	// same user. If your app implements retry logic, please hold off the
	// retry until the previous request finishes."
	ListConcurrency bool
}

// Values of Answers.MalformedToken.
const (
	MalformedNone  = ""
	MalformedShape = "shape"
	MalformedAll   = "all"
)

// validate reports answers that make no sense.
func (a Answers) validate() error {
	switch a.MalformedToken {
	case MalformedNone, MalformedShape, MalformedAll:
	default:
		return fmt.Errorf("malformed-token %q is neither %q nor %q", a.MalformedToken, MalformedShape, MalformedAll)
	}
	for _, p := range append(append([]string{}, a.Documents...), a.Restricted...) {
		if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
			return fmt.Errorf("document or restricted file %q: give a file path that starts with / (and does not end with one)", p)
		}
	}
	return nil
}

// answering is what the answers need to remember: which files are
// documents or restricted (by file id, so that the mark follows the file
// whatever case its path is given in), the listings being answered, and
// the random source of the summary noise.
type answering struct {
	mu       sync.Mutex
	marks    map[string]string // file id → "document" or "restricted"
	listings map[string]bool   // token + route + argument, while answered
	rng      *rand.Rand
}

const (
	markDocument   = "document"
	markRestricted = "restricted"
)

func newAnswering(seed uint64) *answering {
	return &answering{marks: map[string]string{}, listings: map[string]bool{}, rng: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))}
}

// placeMarked puts the documents and restricted files of the options.
func (s *Server) placeMarked() error {
	for _, p := range s.opts.Answers.Documents {
		if _, err := s.PutDocument(p); err != nil {
			return err
		}
	}
	for _, p := range s.opts.Answers.Restricted {
		if _, err := s.PutRestricted(p, []byte("content Dropbox will not let anyone download\n")); err != nil {
			return err
		}
	}
	return nil
}

// PutDocument puts at path (overwriting what is there) a document as
// Dropbox's web app makes them: listed with "is_downloadable": false, its
// download refused with unsupported_file (Answers.Documents).
func (s *Server) PutDocument(path string) (FileInfo, error) {
	return s.putMarked(path, []byte("<html><body><h1>Notes</h1><p>A Paper document.</p></body></html>\n"), markDocument)
}

// PutRestricted puts data at path (overwriting what is there) as a file
// whose download Dropbox refuses with path/restricted_content
// (Answers.Restricted).
func (s *Server) PutRestricted(path string, data []byte) (FileInfo, error) {
	return s.putMarked(path, data, markRestricted)
}

func (s *Server) putMarked(path string, data []byte, mark string) (FileInfo, error) {
	res, err := s.store.CommitFiles([]store.FileCommit{{Path: path, Mode: "overwrite", Content: store.NewMemBlob(data), Hash: store.ContentHash(data)}})
	if err != nil {
		return FileInfo{}, err
	}
	if w := res[0].WriteError; w != nil {
		return FileInfo{}, fmt.Errorf("putting %q: %s", path, w.Summary())
	}
	s.answers.mu.Lock()
	s.answers.marks[res[0].Meta.ID] = mark
	s.answers.mu.Unlock()
	info, _, err := s.store.File(path)
	return info, err
}

func (s *Server) markOf(id string) string {
	s.answers.mu.Lock()
	defer s.answers.mu.Unlock()
	return s.answers.marks[id]
}

// documentMeta is the FileMetadata of a document: not downloadable, with
// the formats it can be exported to.
type documentMeta struct {
	store.FileMetadata
	ExportInfo exportInfo `json:"export_info"`
}

type exportInfo struct {
	ExportAs      string   `json:"export_as"`
	ExportOptions []string `json:"export_options"`
}

// answerDocuments shows the documents among entries (the Metadata unions
// of a listing or get_metadata) as Dropbox does.
func (s *Server) answerDocuments(entries []any) {
	for i, e := range entries {
		if m, ok := e.(store.FileMetadata); ok && s.markOf(m.ID) == markDocument {
			m.IsDownloadable, m.ContentHash = false, ""
			entries[i] = documentMeta{FileMetadata: m, ExportInfo: exportInfo{ExportAs: "html", ExportOptions: []string{"html", "markdown"}}}
		}
	}
}

// refusedDownload is files/download's refusal of a marked file, or nil.
func (s *Server) refusedDownload(m store.FileMetadata) *store.Union {
	var e store.Union
	switch s.markOf(m.ID) {
	case markDocument:
		e = store.U("unsupported_file")
	case markRestricted:
		e = store.U("path", "path", store.U("restricted_content"))
	default:
		return nil
	}
	return &e
}

// malformedToken reports whether an unknown access token is answered as
// malformed (Answers.MalformedToken).
func (s *Server) malformedToken(tok string) bool {
	switch s.opts.Answers.MalformedToken {
	case MalformedAll:
		return true
	case MalformedShape:
		if len(tok) < 64 {
			return true
		}
		return strings.IndexFunc(tok, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) >= 0
	}
	return false
}

// throttled answers 429 too_many_requests, in JSON or, with
// Answers.RateLimitText, in plain text.
func (s *Server) throttled(w http.ResponseWriter) {
	if !s.opts.Answers.RateLimitText {
		writeRateLimit(w, "too_many_requests", s.retryAfterSeconds())
		return
	}
	w.Header().Set("Retry-After", strconv.FormatInt(s.retryAfterSeconds(), 10))
	writeText(w, http.StatusTooManyRequests, "Too Many Requests")
}

// admitListing lets a listing call through, or answers it 429 when an
// identical one is being answered (Answers.ListConcurrency). The returned
// func is called once it was answered.
func (c *call) admitListing() (func(), bool) {
	s := c.s
	if !s.opts.Answers.ListConcurrency || (c.route.name != "files/list_folder" && c.route.name != "files/list_folder/continue") {
		return func() {}, true
	}
	key := c.token + "\x00" + c.route.name + "\x00" + string(c.arg)
	a := s.answers
	a.mu.Lock()
	busy := a.listings[key]
	a.listings[key] = true
	a.mu.Unlock()
	if busy {
		s.fault(faultListConcurrency, c.route.name)
		s.throttled(c.w)
		return nil, false
	}
	return func() {
		a.mu.Lock()
		delete(a.listings, key)
		a.mu.Unlock()
	}, true
}

// noisy returns w, or with Answers.SummaryNoise a writer that ends the
// error_summary of every JSON error answer with "/" and 0 to 3 dots.
func (s *Server) noisy(w http.ResponseWriter) http.ResponseWriter {
	if !s.opts.Answers.SummaryNoise {
		return w
	}
	return &noiseWriter{ResponseWriter: w, a: s.answers}
}

// noiseWriter holds back the status line of an error answer until its
// body (one Write, as writeJSON makes it) is rewritten.
type noiseWriter struct {
	http.ResponseWriter
	a    *answering
	held int // the status held back, 0 for none
}

var summaryRE = regexp.MustCompile(`^\{"error_summary":"([^"\\]*)"`)

func (w *noiseWriter) WriteHeader(code int) {
	switch code {
	case http.StatusUnauthorized, http.StatusConflict, http.StatusTooManyRequests:
		if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			w.held = code
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noiseWriter) Write(p []byte) (int, error) {
	if w.held == 0 {
		return w.ResponseWriter.Write(p)
	}
	code := w.held
	w.held = 0
	out := p
	if m := summaryRE.FindSubmatchIndex(p); m != nil {
		w.a.mu.Lock()
		dots := w.a.rng.IntN(4)
		w.a.mu.Unlock()
		summary := strings.TrimRight(string(p[m[2]:m[3]]), "/.") + "/" + strings.Repeat(".", dots)
		out = bytes.Join([][]byte{p[:m[2]], []byte(summary), p[m[3]:]}, nil)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	}
	w.ResponseWriter.WriteHeader(code)
	if _, err := w.ResponseWriter.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap lets http.ResponseController reach the connection.
func (w *noiseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
