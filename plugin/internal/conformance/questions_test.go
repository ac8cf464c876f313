package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/retry"
	"golang.org/x/text/unicode/norm"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// Questions only the real Dropbox can settle (issue 20): for each, the
// emulator has a mode that gives the strictest answer a public report
// gives (docs/real-dropbox.md), and the client survives it. Live, each
// question prints what Dropbox answered and which emulator answer it
// matches, so that whoever runs make conformance once can tighten (or
// relax) the mode. Against the emulator (make test), each question is
// asked of the emulator with its mode and without, and each must give
// the answer documented here: the questions are tests offline too.
type question struct {
	name string
	// mode is the emulator mode (its command-line flags) that gives
	// strict; opts turns it on.
	mode string
	opts emulator.Options
	// strict is the answer under the mode, kind the answer of the
	// emulator without it (the same when the emulator always answers so).
	strict, kind string
	// live are further answers the real service may give where the
	// emulator models none (a live run passes with them, and prints which).
	live []string
	ask  func(t *testing.T, b *backend) string
}

var questions = []question{
	{
		name: "append_batch of 1,000 entries (a Dropbox-API-Arg of about 136 KB)",
		mode: "--max-header-bytes 8192", opts: emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 8 << 10}},
		strict: "refused: HTTP 431", kind: "accepted",
		live: []string{"refused: HTTP 413", "refused: HTTP 400"},
		ask:  askBigAppend,
	},
	{
		name: "an NFD name uploaded: stored as, and looked up by its NFD path",
		mode: "--nfc", opts: emulator.Options{Names: emulator.Names{NFC: true}},
		strict: "stored as NFC; the NFD path is not_found", kind: "stored as NFD; the NFD path is found",
		live: []string{"stored as NFC; the NFD path is found"},
		ask:  askNFD,
	},
	{
		name: "a name with an emoji (beyond the Basic Multilingual Plane)",
		mode: "--non-bmp-names refuse", opts: emulator.Options{Names: emulator.Names{NonBMP: emulator.NonBMPRefuse}},
		strict: "refused: malformed_path", kind: "stored",
		live: []string{"refused: HTTP 400"},
		ask:  askEmoji,
	},
	{
		name:   "a name ending in a dot, and one ending in a space",
		mode:   "always (store's name rules)",
		strict: "dot: stored; space: refused: malformed_path", kind: "dot: stored; space: refused: malformed_path",
		live: []string{"dot: stored; space: stored", "dot: refused: malformed_path; space: refused: malformed_path", "dot: refused: malformed_path; space: stored"},
		ask:  askTrailing,
	},
	{
		name:   "an append to a closed concurrent session, at its offset",
		mode:   "always",
		strict: "refused: closed", kind: "refused: closed",
		ask: askClosedAppend,
	},
	{
		name: "a malformed access token",
		mode: "--malformed-token shape", opts: emulator.Options{Answers: emulator.Answers{MalformedToken: emulator.MalformedShape}},
		strict: "HTTP 400 in plain text", kind: "HTTP 401 invalid_access_token",
		ask: askMalformedToken,
	},
	{
		name: "path_display of a folder made as Exp1, for a file uploaded to exp1/",
		mode: "--display-case request", opts: emulator.Options{Names: emulator.Names{Display: emulator.DisplayRequest}},
		strict: "the folder shown as requested (exp1)", kind: "the folder shown as made (Exp1)",
		ask: askDisplayCase,
	},
	{
		name:   "a folder renamed by case only (Case1 to CASE1)",
		mode:   "none: the emulator serves no move_v2 (the client never renames; a folder renamed on Dropbox is what --display-case models)",
		strict: "move_v2 not served", kind: "move_v2 not served",
		live: []string{
			`renamed to "CASE1"; its file shown under "CASE1"`,
			`renamed to "CASE1"; its file shown under "Case1"`,
		},
		ask: askCaseRename,
	},
	{
		name: "raw UTF-8 (not \\u escapes) in Dropbox-API-Arg",
		mode: "--ascii-arg", opts: emulator.Options{Names: emulator.Names{ASCIIArg: true}},
		strict: "refused: HTTP 400 (could not decode input as JSON)", kind: "accepted",
		ask: askRawUTF8Arg,
	},
}

// runQuestions asks every question of the live service and prints what it
// answered beside the emulator's answers.
func runQuestions(t *testing.T, b *backend) {
	var out strings.Builder
	fmt.Fprintf(&out, "\nquestions only the real Dropbox can settle, asked of %s:\n", b.name)
	for i, q := range questions {
		t.Run(strings.ReplaceAll(q.name, " ", "_"), func(t *testing.T) {
			a := q.ask(t, b)
			m := q.matches(a)
			fmt.Fprintf(&out, "%-3d %s\n    answer:  %s\n    matches: %s\n", i+1, q.name, a, m)
			if !q.accepts(a) {
				t.Errorf("%s: %s", q.name, m)
			}
		})
	}
	fmt.Print(out.String())
}

// accepts reports whether a is an answer the question knows: the mode's,
// the plain emulator's, or one of live. A live run fails on any other.
func (q question) accepts(a string) bool {
	return a == q.strict || a == q.kind || slices.Contains(q.live, a)
}

// matches says which emulator answer a live answer is.
func (q question) matches(a string) string {
	switch {
	case a == q.strict && a == q.kind:
		return "the emulator (" + q.mode + ")"
	case a == q.strict:
		return "the emulator's mode " + q.mode + ": keep it in the all-modes runs"
	case a == q.kind:
		return "the emulator without " + q.mode + ": the mode is stricter than Dropbox"
	case slices.Contains(q.live, a):
		return "another answer the question allows: set " + q.mode + " (or another setting of it) to match, see docs/real-dropbox.md"
	}
	return fmt.Sprintf("NEITHER (the mode %s answers %q, the emulator without it %q): teach the emulator this answer", q.mode, q.strict, q.kind)
}

// TestQuestionsOnTheEmulator asks each question of the emulator with its
// mode and without, and checks the answers documented above.
func TestQuestionsOnTheEmulator(t *testing.T) {
	for _, q := range questions {
		t.Run(strings.ReplaceAll(q.name, " ", "_"), func(t *testing.T) {
			got := q.ask(t, newEmulatorWith(t, "emulator "+q.mode, q.opts))
			if got != q.strict {
				t.Errorf("with %s: answered %q, want %q", q.mode, got, q.strict)
			}
			t.Logf("with %s: %s", q.mode, got)
			got = q.ask(t, newEmulatorWith(t, "emulator", emulator.Options{}))
			if got != q.kind {
				t.Errorf("without %s: answered %q, want %q", q.mode, got, q.kind)
			}
			t.Logf("without it: %s", got)
		})
	}
}

// TestLiveAnswersBeyondTheKnownFail: a live answer that is neither the
// mode's, nor the plain emulator's, nor a listed live one fails the run.
func TestLiveAnswersBeyondTheKnownFail(t *testing.T) {
	q := question{mode: "--m", strict: "s", kind: "k", live: []string{"l"}}
	for a, want := range map[string]bool{"s": true, "k": true, "l": true, "other": false} {
		if q.accepts(a) != want {
			t.Errorf("accepts(%q) = %v, want %v", a, !want, want)
		}
	}
	if m := q.matches("other"); !strings.HasPrefix(m, "NEITHER") {
		t.Errorf("matches(other) = %q", m)
	}
}

// TestOtherSettingsGiveTheLiveAnswers: the live answers the emulator
// models with another setting of a mode are the ones it gives.
func TestOtherSettingsGiveTheLiveAnswers(t *testing.T) {
	for _, c := range []struct {
		q    int // index in questions
		mode string
		opts emulator.Options
		want string
	}{
		{0, "--max-header-bytes 8192 --header-limit-status 413", emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 8 << 10, HeaderLimitStatus: 413}}, "refused: HTTP 413"},
		{0, "--max-header-bytes 8192 --header-limit-status 400", emulator.Options{Limits: emulator.Limits{MaxHeaderBytes: 8 << 10, HeaderLimitStatus: 400}}, "refused: HTTP 400"},
		{2, "--non-bmp-names 400", emulator.Options{Names: emulator.Names{NonBMP: emulator.NonBMP400}}, "refused: HTTP 400"},
	} {
		q := questions[c.q]
		if !slices.Contains(q.live, c.want) {
			t.Errorf("%s: %q is not among its live answers %q", q.name, c.want, q.live)
		}
		if got := q.ask(t, newEmulatorWith(t, "emulator "+c.mode, c.opts)); got != c.want {
			t.Errorf("%s with %s: answered %q, want %q", q.name, c.mode, got, c.want)
		}
	}
}

// newEmulatorWith returns an emulator backend in the modes of o.
func newEmulatorWith(t *testing.T, name string, o emulator.Options) *backend {
	srv, c := emutest.Start(t, o, emutest.FastPolicy)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, apiURL: u, bearer: func() (string, error) { return emutest.Token, nil }}
	b.setUp(t, c)
	return b
}

// refusal describes an error by its HTTP status or its tag.
func refusal(err error) string {
	var ie dropbox.SDKInternalError
	var br auth.BadRequest
	switch {
	case errors.As(err, &ie):
		return fmt.Sprintf("refused: HTTP %d", ie.StatusCode)
	case errors.As(err, &br):
		return "refused: HTTP 400"
	}
	if s := strings.TrimRight(dbx.Summary(err), "/."); s != "" {
		if i := strings.LastIndex(s, "/"); i >= 0 {
			s = s[i+1:] // the innermost tag: path/malformed_path -> malformed_path
		}
		return "refused: " + s
	}
	return "refused: " + answerOf(err)
}

func askBigAppend(t *testing.T, b *backend) string {
	pieces := make([][]byte, 1000)
	for i := range pieces {
		pieces[i] = []byte{'x'}
	}
	_, res, err := startBatch(b, pieces...)
	if err != nil {
		return refusal(err)
	}
	if len(res.Entries) != len(pieces) {
		return fmt.Sprintf("accepted, with %d entries for %d", len(res.Entries), len(pieces))
	}
	return "accepted" // the sessions are left to expire
}

func upload(b *backend, path string, data []byte) (*files.FileMetadata, error) {
	return b.c.Files.UploadContext(ctx, commitUpload(path), bytes.NewReader(data))
}

func commitUpload(path string) *files.UploadArg {
	a := files.NewUploadArg(path)
	a.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeAdd}}
	a.Mute = true
	return a
}

func askNFD(t *testing.T, b *backend) string {
	name := norm.NFD.String("café.txt")
	m, err := upload(b, b.g.Path(name), []byte("nfd"))
	if err != nil {
		return refusal(err)
	}
	stored := "as another name"
	switch base := m.PathDisplay[strings.LastIndex(m.PathDisplay, "/")+1:]; base {
	case name:
		stored = "as NFD"
	case norm.NFC.String(name):
		stored = "as NFC"
	}
	found := "found"
	if _, err := b.c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg(b.g.Path(name))); err != nil {
		found = strings.TrimPrefix(refusal(err), "refused: ")
	}
	return fmt.Sprintf("stored %s; the NFD path is %s", stored, found)
}

func askEmoji(t *testing.T, b *backend) string {
	if _, err := upload(b, b.g.Path("emoji-\U0001F600.txt"), []byte("e")); err != nil {
		return refusal(err)
	}
	return "stored"
}

func askTrailing(t *testing.T, b *backend) string {
	var parts []string
	for _, c := range []struct{ what, name string }{{"dot", "ends."}, {"space", "ends "}} {
		a := "stored"
		if _, err := upload(b, b.g.Path(c.name), []byte("t")); err != nil {
			a = refusal(err)
		}
		parts = append(parts, c.what+": "+a)
	}
	return strings.Join(parts, "; ")
}

func askClosedAppend(t *testing.T, b *backend) string {
	data := []byte("the closing chunk")
	id, err := concurrentSession(b, data)
	if err != nil {
		return "the session could not be made: " + refusal(err)
	}
	app := files.NewUploadSessionAppendArg(files.NewUploadSessionCursor(id, 0))
	app.Close = true
	if err := b.c.Files.UploadSessionAppendV2Context(ctx, app, bytes.NewReader(data)); err != nil {
		return refusal(err)
	}
	return "accepted"
}

// askMalformedToken calls users/get_current_account with a token of three
// letters, through a client of its own (no retries). Nothing can be
// changed with it.
func askMalformedToken(t *testing.T, b *backend) string {
	c := dbx.New(dbx.Options{APIURL: b.apiURL, Token: dbx.Token{AccessToken: "abc"}, Policy: &retry.Policy{MaxRetries: 0}, UserAgent: "dropbox-post-conformance"})
	_, err := c.Users.GetCurrentAccountContext(ctx)
	var br auth.BadRequest
	var ae auth.AuthAPIError
	switch {
	case err == nil:
		return "accepted"
	case errors.As(err, &br):
		return "HTTP 400 in plain text"
	case errors.As(err, &ae) && ae.AuthError != nil:
		return "HTTP 401 " + ae.AuthError.Tag
	}
	return answerOf(err)
}

func askDisplayCase(t *testing.T, b *backend) string {
	if _, err := b.c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg(b.g.Path("Exp1"))); err != nil {
		return "the folder could not be made: " + refusal(err)
	}
	m, err := upload(b, b.g.Path("exp1/x.csv"), []byte("x"))
	if err != nil {
		return refusal(err)
	}
	parts := strings.Split(m.PathDisplay, "/")
	switch folder := parts[len(parts)-2]; folder {
	case "Exp1":
		return "the folder shown as made (Exp1)"
	case "exp1":
		return "the folder shown as requested (exp1)"
	default:
		return fmt.Sprintf("the folder shown as %q", folder)
	}
}

func askCaseRename(t *testing.T, b *backend) string {
	if _, err := b.c.Files.CreateFolderV2Context(ctx, files.NewCreateFolderArg(b.g.Path("Case1"))); err != nil {
		return "the folder could not be made: " + refusal(err)
	}
	if _, err := upload(b, b.g.Path("Case1/a.txt"), []byte("a")); err != nil {
		return "its file could not be made: " + refusal(err)
	}
	res, err := b.c.Files.MoveV2Context(ctx, files.NewRelocationArg(b.g.Path("Case1"), b.g.Path("CASE1")))
	var ie dropbox.SDKInternalError
	var br auth.BadRequest
	switch {
	case errors.As(err, &br) && strings.Contains(strings.ToLower(br.ErrorSummary), "unknown"),
		errors.As(err, &ie) && (ie.StatusCode == 404 || ie.StatusCode == 400 && strings.Contains(strings.ToLower(ie.Content), "unknown")):
		return "move_v2 not served"
	case err != nil:
		return refusal(err)
	}
	m, ok := res.Metadata.(*files.FolderMetadata)
	if !ok {
		return fmt.Sprintf("renamed: answered %T", res.Metadata)
	}
	f, err := b.c.Files.GetMetadataContext(ctx, files.NewGetMetadataArg(b.g.Path("CASE1/a.txt")))
	if err != nil {
		return fmt.Sprintf("renamed to %q; its file: %s", m.Name, refusal(err))
	}
	fm, ok := f.(*files.FileMetadata)
	if !ok {
		return fmt.Sprintf("renamed to %q; its file answered %T", m.Name, f)
	}
	parts := strings.Split(fm.PathDisplay, "/")
	return fmt.Sprintf("renamed to %q; its file shown under %q", m.Name, parts[len(parts)-2])
}

// askRawUTF8Arg uploads, without the SDK (which the client's transport
// makes escape every header argument), a file whose Dropbox-API-Arg holds
// raw UTF-8; the path is inside the suite's folder.
func askRawUTF8Arg(t *testing.T, b *backend) string {
	u := "https://content.dropboxapi.com/2/files/upload"
	if b.apiURL != nil {
		u = b.apiURL.JoinPath("2/files/upload").String()
	}
	path := b.g.Path("résumé.txt")
	if err := b.g.check(path); err != nil {
		t.Fatal(err)
	}
	tok, err := b.bearer()
	if err != nil {
		return "no token: " + answerOf(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader("u"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/octet-stream")
	arg, err := json.Marshal(struct {
		Path string `json:"path"`
		Mode string `json:"mode"`
		Mute bool   `json:"mute"`
	}{path, "add", true}) // Go's JSON leaves é as raw UTF-8
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Dropbox-API-Arg", string(arg))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "no answer: " + answerOf(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return "accepted"
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "could not decode input as JSON"):
		return "refused: HTTP 400 (could not decode input as JSON)"
	}
	return fmt.Sprintf("HTTP %d %q", resp.StatusCode, strings.TrimSpace(string(body)))
}
