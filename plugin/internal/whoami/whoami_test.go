package whoami

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// client is a client of srv with tok.
func client(t *testing.T, srv *emulator.Server, tok dbx.Token) *dbx.Client {
	return emutest.Client(t, srv.URL(), tok, emutest.FastPolicy)
}

func TestWhoami(t *testing.T) {
	srv, c := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	ctx := context.Background()
	emutest.Upload(t, c, "/results/file.csv", []byte("x"))
	before := len(srv.Files())

	access, _ := credential.NewAccessToken(emutest.Token)
	a, err := Check(ctx, c, access, Options{Dest: "/results", CheckDest: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Local Emulator" || a.Email != "emulator@localhost" || a.Credential != "access token" || a.Expires != nil {
		t.Errorf("account %+v", a)
	}
	if d := a.Dest; d == nil || d.Kind != "folder" || !d.Writable || d.Problem != "" || !strings.Contains(d.CheckedBy, "upload session") {
		t.Errorf("dest %+v", a.Dest)
	}
	if n := len(srv.Files()); n != before {
		t.Errorf("whoami changed the account: %d files, was %d", n, before)
	}

	a, err = Check(ctx, c, access, Options{Dest: "/new/folder", CheckDest: true})
	if err != nil || a.Dest.Kind != "missing" || !a.Dest.Writable {
		t.Errorf("missing dest: %+v, %v", a.Dest, err)
	}
	a, err = Check(ctx, c, access, Options{Dest: "/results/file.csv", CheckDest: true})
	if exit.CodeOf(err) != exit.Usage || a == nil || a.Dest.Kind != "file" {
		t.Errorf("file dest: %v", err)
	}
	a, err = Check(ctx, c, access, Options{Dest: "/results/file.csv/below", CheckDest: true})
	if exit.CodeOf(err) != exit.Usage || a == nil || a.Dest.Kind != "blocked" {
		t.Errorf("dest below a file: %+v, %v", a, err)
	}
}

func TestWhoamiRefreshCredential(t *testing.T) {
	srv, _ := emutest.Start(t, emulator.Options{}, emutest.FastPolicy)
	ctx := context.Background()
	rt, err := srv.NewRefreshToken("app-key")
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := credential.NewRefresh("app-key", "", rt)
	c := client(t, srv, dbx.Token{AppKey: "app-key", RefreshToken: rt})
	a, err := Check(ctx, c, cred, Options{CheckDest: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Credential != "refresh token" || a.AppKey != "app-key" || a.AppSecret || a.Expires == nil || time.Until(*a.Expires) < time.Hour {
		t.Errorf("account %+v", a)
	}
	var buf bytes.Buffer
	a.WriteText(&buf, time.Now())
	for _, want := range []string{`account:    "Local Emulator" <emulator@localhost>`, "refresh token (app key app-key, PKCE, no app secret)", "renewed automatically", `dest:       "/": folder; can be written`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
	if strings.Contains(buf.String(), rt) {
		t.Error("the text shows the refresh token")
	}

	// Read-only scopes: the account can be named, the folder not written.
	ro, _ := srv.NewRefreshToken("app-key", "account_info.read", "files.content.read")
	c = client(t, srv, dbx.Token{AppKey: "app-key", RefreshToken: ro})
	a, err = Check(ctx, c, cred, Options{Dest: "/x", CheckDest: true})
	if exit.CodeOf(err) != exit.Auth || a == nil || a.Dest.Writable || !strings.Contains(err.Error(), "files.content.write") {
		t.Errorf("read-only: %+v, %v", a, err)
	}
	// Without account_info.read the rest is still checked.
	noAcct, _ := srv.NewRefreshToken("app-key", "files.content.write")
	a, err = Check(ctx, client(t, srv, dbx.Token{AppKey: "app-key", RefreshToken: noAcct}), cred, Options{CheckDest: true})
	if err != nil || a.Name != "" || !strings.Contains(a.Note, "account_info.read") || !a.Dest.Writable {
		t.Errorf("no account scope: %+v, %v", a, err)
	}

	// Revoked: Dropbox refuses the refresh token.
	if ok, err := srv.RevokeRefreshToken(rt); !ok || err != nil {
		t.Fatal(ok, err)
	}
	c = client(t, srv, dbx.Token{AppKey: "app-key", RefreshToken: rt})
	_, err = Check(ctx, c, cred, Options{})
	if exit.CodeOf(err) != exit.Auth || !strings.Contains(err.Error(), "dropbox-post auth") {
		t.Errorf("revoked: %v", err)
	}
}
