package emulator

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

func TestUploadMetadataAndImplicitFolders(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	data := []byte("user,item,score\n1,2,0.5\n")
	arg := files.NewUploadArg("/Study/exp00000/Results.csv")
	cm := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cmt := dropbox.DBXTime(cm)
	arg.ClientModified = &cmt
	m, err := c.Upload(arg, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.PathDisplay != "/Study/exp00000/Results.csv" || m.PathLower != "/study/exp00000/results.csv" || m.Name != "Results.csv" {
		t.Errorf("paths: %+v", m.Metadata)
	}
	if m.Size != uint64(len(data)) || m.ContentHash != hashOf(data) {
		t.Errorf("size %d hash %s, want %d %s", m.Size, m.ContentHash, len(data), hashOf(data))
	}
	if !regexp.MustCompile(`^[0-9a-f]{9,}$`).MatchString(m.Rev) || !strings.HasPrefix(m.Id, "id:") {
		t.Errorf("rev %q id %q", m.Rev, m.Id)
	}
	if !time.Time(m.ClientModified).Equal(cm) || time.Since(time.Time(m.ServerModified)) > time.Minute {
		t.Errorf("client_modified %v server_modified %v", m.ClientModified, m.ServerModified)
	}

	got, err := c.GetMetadata(files.NewGetMetadataArg("/STUDY/EXP00000/results.CSV"))
	if err != nil {
		t.Fatal(err)
	}
	fm, ok := got.(*files.FileMetadata)
	if !ok || fm.Rev != m.Rev || fm.PathDisplay != m.PathDisplay {
		t.Fatalf("get_metadata by other case = %#v", got)
	}
	folder, err := c.GetMetadata(files.NewGetMetadataArg("/study/EXP00000"))
	if err != nil {
		t.Fatal(err)
	}
	if fo, ok := folder.(*files.FolderMetadata); !ok || fo.PathDisplay != "/Study/exp00000" {
		t.Fatalf("implicit folder = %#v", folder)
	}
	if byID, err := c.GetMetadata(files.NewGetMetadataArg(m.Id)); err != nil || byID.(*files.FileMetadata).Rev != m.Rev {
		t.Fatalf("get_metadata by id: %v %v", byID, err)
	}
	info, content, err := s.File("/study/exp00000/results.csv")
	if err != nil || !bytes.Equal(content, data) || info.ContentHash != m.ContentHash {
		t.Fatalf("File helper: %+v %q %v", info, content, err)
	}
}

func TestGetMetadataNotFoundIsTyped(t *testing.T) {
	_, base := start(t, Options{})
	_, err := filesClient(base).GetMetadata(files.NewGetMetadataArg("/nope.txt"))
	apiErr, ok := as[files.GetMetadataAPIError](err)
	if !ok {
		t.Fatalf("error %T %v, want GetMetadataAPIError", err, err)
	}
	if apiErr.EndpointError == nil || apiErr.EndpointError.Tag != "path" || apiErr.EndpointError.Path.Tag != files.LookupErrorNotFound {
		t.Fatalf("endpoint error %+v", apiErr.EndpointError)
	}
	if !strings.HasPrefix(apiErr.ErrorSummary, "path/not_found/") {
		t.Errorf("error_summary %q", apiErr.ErrorSummary)
	}
}

// uploadErr uploads and returns the WriteError of the failure.
func uploadErr(t *testing.T, c files.Client, arg *files.UploadArg, data []byte) *files.WriteError {
	t.Helper()
	_, err := c.Upload(arg, bytes.NewReader(data))
	apiErr, ok := as[files.UploadAPIError](err)
	if !ok || apiErr.EndpointError == nil || apiErr.EndpointError.Path == nil {
		t.Fatalf("upload %s: error %T %v, want a path error", arg.Path, err, err)
	}
	return apiErr.EndpointError.Path.Reason
}

func TestWriteModesAndConflicts(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	first := upload(t, c, "/w/a.txt", []byte("one"))

	// add: same content is no conflict and no new version.
	if again := upload(t, c, "/W/A.TXT", []byte("one")); again.Rev != first.Rev {
		t.Errorf("add with same content made rev %s, want %s", again.Rev, first.Rev)
	}
	// add: other content conflicts; strict_conflict conflicts even on same content.
	if e := uploadErr(t, c, files.NewUploadArg("/w/a.txt"), []byte("two")); e.Tag != "conflict" || e.Conflict.Tag != "file" {
		t.Errorf("add conflict: %+v", e)
	}
	strict := files.NewUploadArg("/w/a.txt")
	strict.StrictConflict = true
	if e := uploadErr(t, c, strict, []byte("one")); e.Tag != "conflict" {
		t.Errorf("strict add: %+v", e)
	}
	// autorename.
	ren := files.NewUploadArg("/w/a.txt")
	ren.Autorename = true
	m, err := c.Upload(ren, bytes.NewReader([]byte("two")))
	if err != nil || m.PathDisplay != "/w/a (1).txt" {
		t.Fatalf("autorename: %v %v", m, err)
	}
	// overwrite keeps the id, makes a new rev.
	ow := files.NewUploadArg("/w/a.txt")
	ow.Mode.Tag = files.WriteModeOverwrite
	m2, err := c.Upload(ow, bytes.NewReader([]byte("three")))
	if err != nil || m2.Id != first.Id || m2.Rev == first.Rev || m2.Size != 5 {
		t.Fatalf("overwrite: %+v %v", m2, err)
	}
	// update with the current rev works, with a stale one conflicts.
	up := files.NewUploadArg("/w/a.txt")
	up.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: files.WriteModeUpdate}, Update: m2.Rev}
	m3, err := c.Upload(up, bytes.NewReader([]byte("four")))
	if err != nil || m3.Rev == m2.Rev {
		t.Fatalf("update: %+v %v", m3, err)
	}
	if e := uploadErr(t, c, up, []byte("five")); e.Tag != "conflict" || e.Conflict.Tag != "file" {
		t.Errorf("stale update: %+v", e)
	}
	// A folder in the way, and a file where a folder should be.
	if e := uploadErr(t, c, files.NewUploadArg("/W"), []byte("x")); e.Conflict == nil || e.Conflict.Tag != "folder" {
		t.Errorf("folder conflict: %+v", e)
	}
	if e := uploadErr(t, c, files.NewUploadArg("/w/a.txt/inner.txt"), []byte("x")); e.Conflict == nil || e.Conflict.Tag != "file_ancestor" {
		t.Errorf("file ancestor: %+v", e)
	}
}

func TestNamesDropboxRefuses(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	cases := map[string]string{
		"/a\\b.txt":                    "malformed_path",
		"/dir /b.txt":                  "malformed_path",
		"/trailing ":                   "malformed_path",
		"/a/./b.txt":                   "malformed_path",
		"/a/../b.txt":                  "malformed_path",
		"/a//b.txt":                    "malformed_path",
		"/bad\xffname":                 "malformed_path",
		"/" + strings.Repeat("n", 256): "malformed_path",
		"/x/desktop.ini":               "disallowed_name",
		"/x/~$report.docx":             "disallowed_name",
		"/Thumbs.db":                   "disallowed_name",
		"/x/.DS_Store":                 "disallowed_name",
		"/Icon\r":                      "disallowed_name",
		"/.dropbox":                    "disallowed_name",
	}
	for p, want := range cases {
		if e := uploadErr(t, c, files.NewUploadArg(p), []byte("x")); e.Tag != want {
			t.Errorf("%q: got %s, want %s", p, e.Tag, want)
		}
	}
	// Non-ASCII names are fine (and travel escaped in the header).
	m := upload(t, c, "/données/résumé 😀.txt", []byte("ok"))
	if m.Name != "résumé 😀.txt" {
		t.Errorf("name %q", m.Name)
	}
}

func TestUploadChecksContentHashAndSize(t *testing.T) {
	_, base := start(t, Options{})
	c := filesClient(base)
	arg := files.NewUploadArg("/h.txt")
	arg.ContentHash = hashOf([]byte("something else"))
	_, err := c.Upload(arg, bytes.NewReader([]byte("data")))
	if e, ok := as[files.UploadAPIError](err); !ok || e.EndpointError.Tag != files.UploadErrorContentHashMismatch {
		t.Fatalf("hash mismatch: %T %v", err, err)
	}
	big := make([]byte, maxPayload+1)
	_, err = c.Upload(files.NewUploadArg("/big.bin"), bytes.NewReader(big))
	if e, ok := as[files.UploadAPIError](err); !ok || e.EndpointError.Tag != files.UploadErrorPayloadTooLarge {
		t.Fatalf("150 MiB + 1: %T %v", err, err)
	}
}

func TestCreateFolderAndDelete(t *testing.T) {
	s, base := start(t, Options{})
	c := filesClient(base)
	res, err := c.CreateFolderV2(files.NewCreateFolderArg("/Runs/2024"))
	if err != nil || res.Metadata.PathDisplay != "/Runs/2024" {
		t.Fatalf("create: %+v %v", res, err)
	}
	_, err = c.CreateFolderV2(files.NewCreateFolderArg("/runs/2024"))
	if e, ok := as[files.CreateFolderV2APIError](err); !ok || e.EndpointError.Path.Tag != "conflict" || e.EndpointError.Path.Conflict.Tag != "folder" {
		t.Fatalf("existing folder: %T %v", err, err)
	}
	ren := files.NewCreateFolderArg("/runs/2024")
	ren.Autorename = true
	if res, err := c.CreateFolderV2(ren); err != nil || res.Metadata.PathDisplay != "/Runs/2024 (1)" {
		t.Fatalf("autorename: %+v %v", res, err)
	}
	upload(t, c, "/runs/2024/a.txt", []byte("a"))
	upload(t, c, "/runs/2024/deep/b.txt", []byte("b"))
	del, err := c.DeleteV2(files.NewDeleteArg("/RUNS/2024"))
	if err != nil {
		t.Fatal(err)
	}
	if fm, ok := del.Metadata.(*files.FolderMetadata); !ok || fm.PathDisplay != "/Runs/2024" {
		t.Fatalf("deleted metadata %#v", del.Metadata)
	}
	if n := len(s.Files()); n != 0 {
		t.Errorf("%d files left after deleting their folder", n)
	}
	_, err = c.DeleteV2(files.NewDeleteArg("/runs/2024"))
	if e, ok := as[files.DeleteV2APIError](err); !ok || e.EndpointError.Tag != "path_lookup" || e.EndpointError.PathLookup.Tag != "not_found" {
		t.Fatalf("delete missing: %T %v", err, err)
	}
}
