package emulator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
)

// The name modes (Options.Names), driven with raw requests whose
// Dropbox-API-Arg the emulator's own encoder writes (the Go SDK's writes a
// character beyond U+FFFF as one \u escape, which is not JSON).

const (
	cafeNFC = "caf\u00e9.csv"  // é as one code point
	cafeNFD = "cafe\u0301.csv" // e and a combining acute accent
)

// rawUpload sends files/upload for path (arg is the header as sent when
// not ""), and returns the status and the body.
func rawUpload(t *testing.T, base, path, arg string) (int, string) {
	t.Helper()
	if arg == "" {
		var err error
		if arg, err = headerSafeJSON(map[string]any{"path": path, "mode": "overwrite"}); err != nil {
			t.Fatal(err)
		}
	}
	code, _, body := raw(t, "POST", base+"/2/files/upload", map[string]string{
		"Authorization": "Bearer " + testToken, "Content-Type": "application/octet-stream", "Dropbox-API-Arg": arg,
	}, []byte("data"))
	return code, body
}

// rawRPC calls an RPC route with arg and returns the status and body.
func rawRPC(t *testing.T, base, route string, arg any) (int, string) {
	t.Helper()
	b, err := json.Marshal(arg)
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := raw(t, "POST", base+"/2/"+route, rpcHeaders(), b)
	return code, body
}

// metaOf decodes the metadata in an answer.
func metaOf(t *testing.T, body string) (name, display, lower string) {
	t.Helper()
	var m struct {
		Name        string `json:"name"`
		PathDisplay string `json:"path_display"`
		PathLower   string `json:"path_lower"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return m.Name, m.PathDisplay, m.PathLower
}

func TestNFCStoresComposedAndLooksUpExactly(t *testing.T) {
	s, base := start(t, Options{Names: Names{NFC: true}})
	code, body := rawUpload(t, base, "/R/"+cafeNFD, "")
	if code != 200 {
		t.Fatalf("upload NFD: %d %s", code, body)
	}
	if name, display, _ := metaOf(t, body); name != cafeNFC || display != "/R/"+cafeNFC {
		t.Errorf("stored as %q (%q), want NFC", name, display)
	}
	// A lookup by the NFD path finds nothing; by the NFC path, the file.
	if code, body := rawRPC(t, base, "files/get_metadata", map[string]string{"path": "/R/" + cafeNFD}); code != 409 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("get_metadata NFD: %d %s", code, body)
	}
	if code, body := rawRPC(t, base, "files/get_metadata", map[string]string{"path": "/R/" + cafeNFC}); code != 200 {
		t.Errorf("get_metadata NFC: %d %s", code, body)
	}
	// Its NFC twin is the same file: one file, overwritten.
	if code, body := rawUpload(t, base, "/R/"+cafeNFC, ""); code != 200 {
		t.Fatalf("upload NFC: %d %s", code, body)
	}
	if n := len(s.Files()); n != 1 {
		t.Errorf("%d files after NFC and NFD uploads, want 1: %+v", n, s.Files())
	}
	// Folders too.
	code, body = rawRPC(t, base, "files/create_folder_v2", map[string]string{"path": "/Ha\u1100\u1161n"}) // 가 as two jamo
	if code != 200 || !strings.Contains(body, `"/Ha\uac00n"`) && !strings.Contains(body, "/Ha가n") {
		t.Errorf("create_folder_v2 NFD: %d %s", code, body)
	}

	// Without the mode, names are stored as sent.
	_, base = start(t, Options{})
	if _, body := rawUpload(t, base, "/"+cafeNFD, ""); !strings.Contains(body, "cafe\\u0301") && !strings.Contains(body, cafeNFD) {
		t.Errorf("without --nfc: %s", body)
	}
}

func TestLowerCasingIsDropboxs(t *testing.T) {
	_, base := start(t, Options{})
	for _, c := range []struct{ name, lower string }{
		{"ΣΣΣ.txt", "σσσ.txt"},       // no final sigma
		{"Straße.txt", "straße.txt"}, // no full folding
		{"İ.txt", "i.txt"},
		{"\ua64a.txt", "\ua64a.txt"}, // Ꙋ: its lower case came after Unicode 4.1
		{"\u1e9e.txt", "\u1e9e.txt"}, // ẞ
	} {
		code, body := rawUpload(t, base, "/"+c.name, "")
		if code != 200 {
			t.Fatalf("%q: %d %s", c.name, code, body)
		}
		if _, _, lower := metaOf(t, body); lower != "/"+c.lower {
			t.Errorf("%q: path_lower %q, want %q", c.name, lower, "/"+c.lower)
		}
	}
	// So Ꙋ and ꙋ are two files.
	if code, body := rawUpload(t, base, "/\ua64b.txt", ""); code != 200 || !strings.Contains(body, "a64b") && !strings.Contains(body, "\ua64b") {
		t.Errorf("ꙋ: %d %s", code, body)
	}
}

func TestDisplayCaseOfParents(t *testing.T) {
	for _, mode := range []string{"request", "lower", "random"} {
		t.Run(mode, func(t *testing.T) {
			_, base := start(t, Options{Names: Names{Display: mode}})
			if code, body := rawRPC(t, base, "files/create_folder_v2", map[string]string{"path": "/Top/Exp1"}); code != 200 {
				t.Fatal(body)
			}
			code, body := rawUpload(t, base, "/TOP/EXP1/Data.csv", "")
			if code != 200 {
				t.Fatal(body)
			}
			name, display, lower := metaOf(t, body)
			if name != "Data.csv" || !strings.HasSuffix(display, "/Data.csv") || lower != "/top/exp1/data.csv" {
				t.Errorf("upload answered %q %q %q", name, display, lower)
			}
			if mode == "request" && display != "/TOP/EXP1/Data.csv" {
				t.Errorf("display %q, want the request's /TOP/EXP1/Data.csv", display)
			}
			if mode == "lower" && display != "/top/exp1/Data.csv" {
				t.Errorf("display %q, want /top/exp1/Data.csv", display)
			}
			// The folder's own entry keeps its name.
			code, body = rawRPC(t, base, "files/get_metadata", map[string]string{"path": "/top/exp1"})
			if name, display, _ := metaOf(t, body); code != 200 || name != "Exp1" || !strings.HasSuffix(display, "/Exp1") {
				t.Errorf("folder: %d %q %q", code, name, display)
			}
		})
	}
	if _, err := New(Options{Names: Names{Display: "upper"}}); err == nil {
		t.Error("display case \"upper\" accepted")
	}
}

func TestNameRules(t *testing.T) {
	_, base := start(t, Options{})
	for name, want := range map[string]int{
		"trailing.":                    200, // rclone does not encode it: Dropbox stores it
		"ctl\x01":                      200,
		"space ":                       409,
		strings.Repeat("é", 255):       200,
		strings.Repeat("a", 256):       409,
		strings.Repeat("😀", 127) + "a": 200, // 255 UTF-16 units
		strings.Repeat("😀", 128):       409, // 256
		"del\x7f":                      409,
	} {
		code, body := rawUpload(t, base, "/"+name, "")
		if code != want {
			t.Errorf("%.20q: %d %s, want %d", name, code, body, want)
		}
		if want == 409 && !strings.Contains(body, "malformed_path") {
			t.Errorf("%.20q: %s", name, body)
		}
	}
}

func TestNonBMPNames(t *testing.T) {
	_, base := start(t, Options{Names: Names{NonBMP: NonBMPRefuse}})
	if code, body := rawUpload(t, base, "/ok 😀.txt", ""); code != 409 || !strings.Contains(body, `"malformed_path"`) {
		t.Errorf("refuse: %d %s", code, body)
	}
	if code, body := rawUpload(t, base, "/résumé.txt", ""); code != 200 {
		t.Errorf("BMP name: %d %s", code, body)
	}

	_, base = start(t, Options{Names: Names{NonBMP: NonBMP400}})
	code, body := rawUpload(t, base, "/ok 😀.txt", "")
	if want := `Error in call to API function "files/upload": path: invalid path: character at index 4: not part of the Unicode Basic Multilingual Plane`; code != 400 || body != want {
		t.Errorf("400: %d %q", code, body)
	}
	// finish_batch_v2 fails whole.
	entry := map[string]any{"cursor": map[string]any{"session_id": "x", "offset": 0}, "commit": map[string]any{"path": "/a/😀"}}
	if code, body := rawRPC(t, base, "files/upload_session/finish_batch_v2", map[string]any{"entries": []any{entry}}); code != 400 || !strings.Contains(body, "Basic Multilingual Plane") {
		t.Errorf("finish_batch_v2: %d %s", code, body)
	}
	if _, err := New(Options{Names: Names{NonBMP: "yes"}}); err == nil {
		t.Error("non-BMP mode \"yes\" accepted")
	}
}

func TestASCIIArg(t *testing.T) {
	_, base := start(t, Options{Names: Names{ASCIIArg: true}})
	code, body := rawUpload(t, base, "", `{"path":"/résumé.txt"}`)
	if want := `Error in call to API function "files/upload": HTTP header "Dropbox-API-Arg": could not decode input as JSON`; code != 400 || body != want {
		t.Errorf("raw UTF-8: %d %q", code, body)
	}
	if code, body := rawUpload(t, base, "/résumé.txt", ""); code != 200 {
		t.Errorf("escaped: %d %s", code, body)
	}
	// The official Go SDK alone sends raw UTF-8 (sdk.go sets the header
	// to the JSON as it is), so it is refused: the client's package dbx
	// escapes it (the CLI scenario names_ascii_arg proves that).
	if _, err := filesClient(base).Upload(files.NewUploadArg("/données.txt"), strings.NewReader("x")); err == nil || !strings.Contains(err.Error(), "could not decode input as JSON") {
		t.Errorf("the Go SDK's raw UTF-8: %v", err)
	}
}
