package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

func TestDocumentsCannotBeDownloaded(t *testing.T) {
	s, base := start(t, Options{Answers: Answers{Documents: []string{"/Shared/Notes.paper"}}})
	c := filesClient(base)
	upload(t, c, "/Shared/data.csv", []byte("a,b\n"))
	if _, err := s.PutDocument("/Shared/Plan.gdoc"); err != nil {
		t.Fatal(err)
	}

	// A listing shows both documents as Dropbox does, and the plain file
	// as before.
	st, _, body := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":"/shared"}`))
	if st != 200 {
		t.Fatalf("list_folder: %d %s", st, body)
	}
	var res struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, e := range res.Entries {
		name := e["name"].(string)
		_, hashed := e["content_hash"]
		switch name {
		case "Notes.paper", "Plan.gdoc":
			docs++
			ei, _ := e["export_info"].(map[string]any)
			if e["is_downloadable"] != false || hashed || ei["export_as"] != "html" || e["size"] == nil {
				t.Errorf("document %q listed as %v", name, e)
			}
		case "data.csv":
			if e["is_downloadable"] != true || !hashed || e["export_info"] != nil {
				t.Errorf("plain file listed as %v", e)
			}
		}
	}
	if docs != 2 {
		t.Fatalf("listing: %s", body)
	}
	// get_metadata, through the SDK, says the same.
	md, err := c.GetMetadata(files.NewGetMetadataArg("/SHARED/notes.paper"))
	fm, ok := md.(*files.FileMetadata)
	if err != nil || !ok || fm.IsDownloadable || fm.ExportInfo == nil || fm.ExportInfo.ExportAs != "html" || fm.ContentHash != "" {
		t.Fatalf("get_metadata: %#v, %v", md, err)
	}
	// Its download is refused, in the shape of files.stone; the plain
	// file's is not.
	_, _, err = c.Download(files.NewDownloadArg("/Shared/Notes.paper"))
	de, ok := as[files.DownloadAPIError](err)
	if !ok || de.EndpointError == nil || de.EndpointError.Tag != files.DownloadErrorUnsupportedFile {
		t.Fatalf("download of a document: %v", err)
	}
	if _, r, err := c.Download(files.NewDownloadArg("/Shared/data.csv")); err != nil {
		t.Fatalf("download of a file: %v", err)
	} else {
		r.Close()
	}
}

func TestRestrictedContent(t *testing.T) {
	_, base := start(t, Options{Answers: Answers{Restricted: []string{"/r/movie.mp4"}}})
	c := filesClient(base)
	md, err := c.GetMetadata(files.NewGetMetadataArg("/r/movie.mp4"))
	if fm, ok := md.(*files.FileMetadata); err != nil || !ok || !fm.IsDownloadable || fm.ContentHash == "" {
		t.Fatalf("a restricted file is listed as any other: %#v, %v", md, err)
	}
	st, _, body := raw(t, "POST", base+"/2/files/download", map[string]string{"Authorization": "Bearer " + testToken, "Dropbox-API-Arg": `{"path":"/r/movie.mp4"}`}, nil)
	if st != http.StatusConflict || !strings.Contains(body, `"error":{".tag":"path","path":{".tag":"restricted_content"}}`) {
		t.Fatalf("download: %d %s", st, body)
	}
}

func TestDocumentsByAdminEndpoint(t *testing.T) {
	s, base := start(t, Options{})
	st, _, body := raw(t, "POST", base+"/emulator/documents", nil, []byte(`{"path":"/d/Notes.paper"}`))
	if st != 200 || !strings.Contains(body, `"path_display":"/d/Notes.paper"`) {
		t.Fatalf("POST /emulator/documents: %d %s", st, body)
	}
	if st, _, body := raw(t, "POST", base+"/emulator/restricted", nil, []byte(`{"path":"relative"}`)); st != http.StatusBadRequest {
		t.Fatalf("a relative path: %d %s", st, body)
	}
	if _, _, err := filesClient(base).Download(files.NewDownloadArg("/d/Notes.paper")); err == nil || !strings.Contains(err.Error(), "unsupported_file") {
		t.Fatalf("download: %v", err)
	}
	if _, err := New(Options{Answers: Answers{Documents: []string{"no-slash"}}}); err == nil {
		t.Fatal("a document path without / was accepted")
	}
	_ = s
}

func TestMalformedToken(t *testing.T) {
	long := "sl." + strings.Repeat("AbC-d_9.", 20)
	for _, c := range []struct {
		mode, token string
		want        int
	}{
		{MalformedNone, "abc", 401},
		{MalformedShape, "abc", 400},
		{MalformedShape, "abc def ghi jkl mno pqr stu vwx yza bcd efg hij klm nop qrs tuv wxy", 400},
		{MalformedShape, long, 401},
		{MalformedAll, long, 400},
		{MalformedAll, testToken, 200}, // a known token is never malformed
	} {
		_, base := start(t, Options{Answers: Answers{MalformedToken: c.mode}})
		st, h, body := raw(t, "POST", base+"/2/files/list_folder", map[string]string{"Authorization": "Bearer " + c.token, "Content-Type": "application/json"}, []byte(`{"path":""}`))
		if st != c.want {
			t.Errorf("%q, token %q: %d %s, want %d", c.mode, c.token, st, body, c.want)
			continue
		}
		if st == 400 {
			want := `Error in call to API function "files/list_folder": The given OAuth 2 access token is malformed.`
			if body != want || h.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("%q: %q (%s), want %q in plain text", c.mode, body, h.Get("Content-Type"), want)
			}
		}
	}
	if _, err := New(Options{Answers: Answers{MalformedToken: "sometimes"}}); err == nil {
		t.Fatal("an unknown malformed-token mode was accepted")
	}
}

func TestRateLimitText(t *testing.T) {
	_, base := start(t, Options{ThrottleRate: 1, RetryAfter: 7e9, Answers: Answers{RateLimitText: true}})
	st, h, body := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":""}`))
	if st != 429 || h.Get("Retry-After") != "7" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || strings.Contains(body, "{") {
		t.Fatalf("%d %v %q", st, h, body)
	}
}

func TestSummaryNoise(t *testing.T) {
	_, base := start(t, Options{Seed: 3, Answers: Answers{SummaryNoise: true}})
	tails := map[string]bool{}
	re := regexp.MustCompile(`^\{"error_summary":"path/not_found/(\.{0,3})","error":\{".tag":"path","path":\{".tag":"not_found"\}\}\}$`)
	for i := 0; i < 40; i++ {
		st, h, body := raw(t, "POST", base+"/2/files/get_metadata", rpcHeaders(), []byte(`{"path":"/nothing"}`))
		m := re.FindStringSubmatch(body)
		if st != 409 || m == nil || h.Get("Content-Length") != "" && h.Get("Content-Length") != itoa(len(body)) {
			t.Fatalf("%d %q (Content-Length %s)", st, body, h.Get("Content-Length"))
		}
		tails[m[1]] = true
	}
	if len(tails) != 4 {
		t.Errorf("tails seen: %v, want all of none to three dots", tails)
	}
	// 401 too, through the SDK, which still reads the tags.
	_, err := files.New(config(base, "unknown")).GetMetadata(files.NewGetMetadataArg("/x"))
	if err == nil || !strings.Contains(err.Error(), "invalid_access_token/") {
		t.Fatalf("401: %v", err)
	}
	// Successful answers are untouched.
	upload(t, filesClient(base), "/ok.txt", []byte("ok"))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestListConcurrency(t *testing.T) {
	block := make(chan struct{})
	arrived := make(chan struct{}, 4)
	var first atomic.Bool
	s, base := start(t, Options{Answers: Answers{ListConcurrency: true}, Hook: func(e Event) {
		if e.Route == "files/list_folder" && e.Phase == AfterWork && e.Status == 200 && first.CompareAndSwap(false, true) {
			arrived <- struct{}{}
			<-block
		}
	}})
	done := make(chan int)
	go func() {
		st, _, _ := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":""}`))
		done <- st
	}()
	<-arrived
	// The same call while the first is being answered: 429.
	st, h, body := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":""}`))
	if st != 429 || h.Get("Retry-After") == "" || !strings.Contains(body, "too_many_requests") {
		t.Errorf("an identical listing at the same time: %d %s", st, body)
	}
	// Another listing is let through.
	if st, _, body := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":"","recursive":true}`)); st != 200 {
		t.Errorf("another listing: %d %s", st, body)
	}
	close(block)
	if st := <-done; st != 200 {
		t.Errorf("the first listing: %d", st)
	}
	// Once it was answered, the same call goes through.
	if st, _, body := raw(t, "POST", base+"/2/files/list_folder", rpcHeaders(), []byte(`{"path":""}`)); st != 200 {
		t.Errorf("after: %d %s", st, body)
	}
	if n := s.Stats().Faults[faultListConcurrency]; n != 1 {
		t.Errorf("list_concurrency faults: %d", n)
	}
}
