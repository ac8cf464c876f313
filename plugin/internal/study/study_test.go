package study

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
)

// elements returns a study folder holding post/a.csv, and three elements
// of it: the file to /d, a skipped one, and a folder that is not there.
func elements(t *testing.T) (string, []configschema.Element) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "post"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "post", "a.csv"), []byte("1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, []configschema.Element{
		{Index: 1, Line: 3, Option: configschema.File, Path: "post/a.csv", Local: filepath.Join(dir, "post", "a.csv"), Dest: "/d", Target: "/d/a.csv"},
		{Index: 2, Line: 6, Option: configschema.Skip, Path: "exp00000"},
		{Index: 3, Line: 9, Option: configschema.Folder, Path: "gone", Local: filepath.Join(dir, "gone"), Dest: "/g", Target: "/g"},
	}
}

// options posts with the environment's credential, to the emulator.
func options(t *testing.T, dir string) (Options, *emulator.Server) {
	srv, client := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	return Options{
		Study:         dir,
		Config:        filepath.Join(dir, "conf", "config.xml"),
		EnvCredential: func() (credential.Credential, error) { return credential.NewAccessToken(emutest.Token) },
		Client:        func(credential.Credential) (*dbx.Client, error) { return client, nil },
		Push:          push.Options{Mode: plan.Overwrite},
	}, srv
}

// TestPost: every element reached is heard of before it is pushed, every
// pushed one after; the skipped one is counted, a failed one does not stop
// the next, and the run's error names the failed element.
func TestPost(t *testing.T) {
	dir, elems := elements(t)
	o, srv := options(t, dir)
	var pushing, pushed []string
	o.Pushing = func(out *Outcome) { pushing = append(pushing, out.Element.Path) }
	o.Pushed = func(out *Outcome) { pushed = append(pushed, out.Element.Path+" "+out.Status) }
	res, err := Post(context.Background(), elems, o)
	if got := strings.Join(pushing, ", "); got != "post/a.csv, exp00000, gone" {
		t.Errorf("Pushing heard of %s", got)
	}
	if got := strings.Join(pushed, ", "); got != "post/a.csv posted, gone failed" {
		t.Errorf("Pushed heard of %s", got)
	}
	if res == nil {
		t.Fatalf("no result: %v", err)
	}
	if tt := res.Totals; tt.Elements != 3 || tt.Posted != 1 || tt.Skipped != 1 || tt.Failed != 1 || tt.Uploaded != 1 {
		t.Errorf("totals %+v", tt)
	}
	if err == nil || !strings.Contains(err.Error(), "1 of 2 elements failed: element 3 (line 9)") {
		t.Errorf("err = %v", err)
	}
	if len(srv.Files()) != 1 || srv.Files()[0].Path != "/d/a.csv" {
		t.Errorf("on Dropbox: %v", srv.Files())
	}
}

// TestPostNoCredential: without a credential nothing is posted and there
// is no result; in a dry run, the plan is made from the local files, and
// each element says why Dropbox was not asked.
func TestPostNoCredential(t *testing.T) {
	dir, elems := elements(t)
	o, srv := options(t, dir)
	none := exit.New(exit.Usage, "no Dropbox credential", "")
	o.EnvCredential = func() (credential.Credential, error) { return credential.Credential{}, none }
	if res, err := Post(context.Background(), elems[:1], o); res != nil || err != none {
		t.Errorf("Post = %v, %v; want no result and the credential's error", res, err)
	}
	o.Push.DryRun = true
	res, err := Post(context.Background(), elems[:1], o)
	if err != nil || res.Outcomes[0].Status != Planned || res.Outcomes[0].Unchecked != "no Dropbox credential" {
		t.Fatalf("dry run: %v, %+v", err, res.Outcomes[0])
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached Dropbox", n)
	}
}

// TestPostInterrupted: elements after an interruption are not run, and the
// run's error is the interruption.
func TestPostInterrupted(t *testing.T) {
	dir, elems := elements(t)
	o, _ := options(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	o.Pushed = func(*Outcome) { cancel() }
	res, err := Post(ctx, elems, o)
	if exit.CodeOf(err) != exit.Interrupted {
		t.Errorf("err = %v, want an interruption", err)
	}
	if s := res.Outcomes[2].Status; s != NotRun || res.Totals.NotRun != 2 {
		t.Errorf("after the interruption: %s, totals %+v", s, res.Totals)
	}
}

// TestPostGivesUpOnTheNetworkOnce: when Dropbox cannot be reached for an
// element, the elements after it are not run (a skipped one is still
// skipped), and the run's error is the network's (exit 12), naming them.
func TestPostGivesUpOnTheNetworkOnce(t *testing.T) {
	dir, elems := elements(t)
	o, _ := options(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := dbx.ParseAPIURL("http://"+ln.Addr().String(), "--api-url")
	ln.Close() // nothing listens there: connection refused
	o.Client = func(credential.Credential) (*dbx.Client, error) {
		return dbx.New(dbx.Options{APIURL: dead, Token: dbx.Token{AccessToken: emutest.Token}, Reach: dbx.NewReach(0, nil)}), nil
	}
	res, err := Post(context.Background(), elems, o)
	if exit.CodeOf(err) != exit.Unreachable || !strings.HasPrefix(err.Error(), `element 1 (line 3): looking up "/d/a.csv": cannot reach "`+dead.Host+`": connection refused (1 attempt); so element 3 (line 9) was not run: `) ||
		!strings.Contains(err.Error(), "check the network connection") {
		t.Fatalf("err = %v (code %d)", err, exit.CodeOf(err))
	}
	var got []string
	for _, out := range res.Outcomes {
		got = append(got, out.Status)
	}
	if strings.Join(got, ", ") != "failed, skipped, not run" || res.Totals.NotRun != 1 {
		t.Fatalf("statuses %q, totals %+v", got, res.Totals)
	}
}
