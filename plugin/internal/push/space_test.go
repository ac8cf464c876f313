package push

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// dataSent is the bytes of file data the emulator received.
func dataSent(srv *emulator.Server) int64 {
	st := srv.Stats()
	var n int64
	for _, r := range []string{"files/upload", "files/upload_session/start", "files/upload_session/append_v2", "files/upload_session/append_batch"} {
		n += st.Routes[r].BytesReceived
	}
	return n
}

// sized is n files of size bytes each, plus one of big bytes when big > 0.
func sized(n, size, big int) map[string][]byte {
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("exp/out-%03d.csv", i)] = bytes.Repeat([]byte{byte(i)}, size)
	}
	if big > 0 {
		files["model.bin"] = bytes.Repeat([]byte{'m'}, big)
	}
	return files
}

// A push larger than Dropbox's free space stops before sending anything,
// for an account and for a team member limited within its team.
func TestFullAccountStopsBeforeSending(t *testing.T) {
	for _, team := range []bool{false, true} {
		t.Run(fmt.Sprintf("team=%v", team), func(t *testing.T) {
			srv, c := startEmulator(t, emulator.Options{Limits: emulator.Limits{Quota: 20 << 20, QuotaTeam: team}})
			root := study(t, sized(10, 1<<20, 30<<20)) // 40 MiB
			sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/full"})
			if exit.CodeOf(err) != exit.Full || err.Error() != "Dropbox is full: needs 40.0 MiB, has 20.0 MiB free: free space on Dropbox (or post to another account), then run again; nothing was sent" {
				t.Fatalf("push into a full account: %v (exit %d), %+v", err, exit.CodeOf(err), sum)
			}
			if n := dataSent(srv); n != 0 || len(srv.Files()) != 0 {
				t.Errorf("%d bytes of file data sent, %d files on Dropbox, want none", n, len(srv.Files()))
			}
		})
	}
}

// An overwrite needs only what it adds: a push that replaces files of
// about the same size fits where their sum would not.
func TestSpaceCheckCountsWhatOverwritesAdd(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{Limits: emulator.Limits{Quota: 50 << 20}})
	files := sized(0, 0, 40<<20)
	root := study(t, files)
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/o"}); err != nil {
		t.Fatal(err)
	}
	files["model.bin"] = bytes.Repeat([]byte{'n'}, 41<<20)
	root = study(t, files)
	if sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/o"}); err != nil || sum.Uploaded != 1 {
		t.Fatalf("overwrite that adds 1 MiB to 40 MiB, with 10 MiB free: %v %+v", err, sum)
	}
	checkRemote(t, srv, "/o", files)
}

// insufficient_space at commit is final: the upload stops, the packs
// after it are not sent, and the push says the account is full.
func TestFullAtCommitStopsTheUpload(t *testing.T) {
	// Packs of 40 files of 10 KiB, one at a time, each sent once the one
	// before is committed; room for 100 files: the third pack's commit
	// fails half way. The fourth may be on its way as the answer comes
	// back; the fifth is never sent. The emulator holds each pack until
	// the one before is committed, or until the client has gone (it stops
	// at the refusal, and lets go of what it had on its way): holding a
	// pack only until the account was full let the fifth through in the
	// moment before the client read the third commit's answer (about 1
	// run in 40).
	var commits, appends atomic.Int32
	srv, c := startEmulator(t, emulator.Options{Limits: emulator.Limits{Quota: 100 * 10240}, Hook: func(e emulator.Event) {
		switch {
		case e.Route == "files/upload_session/finish_batch_v2" && e.Phase == emulator.AfterWork:
			commits.Add(1)
		case e.Route == "files/upload_session/append_batch" && e.Phase == emulator.BeforeWork:
			k := appends.Add(1)
			for deadline := time.Now().Add(time.Minute); commits.Load() < k-1 && e.Ctx.Err() == nil && time.Now().Before(deadline); { // a hang guard
				time.Sleep(time.Millisecond)
			}
		}
	}})
	root := study(t, sized(200, 10240, 0))
	// PackBytes is one pack's: the append gate lets --parallel requests
	// go and more while their data stays within PackBytes, which would
	// otherwise let several of these small packs be on their way at once.
	sum, err := Run(context.Background(), c, Options{Local: root, Dest: "/f", Transfer: transfer.Options{PackFiles: 40, PackBytes: 40 * 10240, Parallel: 1}})
	if exit.CodeOf(err) != exit.Full || !strings.HasPrefix(err.Error(), "Dropbox is full: needs 1000.0 KiB, has 0 B free: ") {
		t.Fatalf("push that fills the account: %v (exit %d)", err, exit.CodeOf(err))
	}
	if sum == nil || sum.Uploaded != 100 || len(srv.Files()) != 100 {
		t.Errorf("summary %+v, %d files on Dropbox: want the 100 that fit", sum, len(srv.Files()))
	}
	if n := srv.Stats().Routes["files/upload_session/append_batch"].Statuses["200"]; n < 3 || n > 4 {
		t.Errorf("%d packs sent, want 3, or 4 with the one on its way (none after the account was found full)", n)
	}
	if n := dataSent(srv); n > 4*40*10240 {
		t.Errorf("%d bytes of file data sent: more than four packs", n)
	}
}

// Without the account_info.read scope the check is skipped, and the log
// says so; the commit then finds the account full.
func TestSpaceCheckWithoutScope(t *testing.T) {
	srv := emutest.Serve(t, emulator.Options{Limits: emulator.Limits{Quota: 20 << 20}})
	rt, err := srv.NewRefreshToken("app", "files.metadata.read", "files.content.read", "files.content.write")
	if err != nil {
		t.Fatal(err)
	}
	c := emutest.Client(t, srv.URL(), dbx.Token{AppKey: "app", RefreshToken: rt}, fastPolicy)
	var log bytes.Buffer
	root := study(t, sized(0, 0, 40<<20))
	_, err = Run(context.Background(), c, Options{Local: root, Dest: "/s", Log: hclog.New(&hclog.LoggerOptions{Output: &log})})
	if exit.CodeOf(err) != exit.Full || !strings.HasPrefix(err.Error(), "Dropbox is full: needs 40.0 MiB more: ") {
		t.Fatalf("push without the scope: %v", err)
	}
	if !strings.Contains(log.String(), "not checking Dropbox's free space before sending: the credential lacks the account_info.read permission") {
		t.Errorf("the log does not say the check was skipped:\n%s", log.String())
	}
}

// The free space is asked while Dropbox is listed, not after: the check
// adds no round trip before the first byte. The emulator holds the
// listing until get_space_usage has arrived (or a minute has passed, so
// that the old order fails instead of hanging).
func TestSpaceAskedWhileListing(t *testing.T) {
	var asked atomic.Bool
	var heldFor atomic.Bool
	_, c := startEmulator(t, emulator.Options{Hook: func(e emulator.Event) {
		switch {
		case e.Route == "users/get_space_usage" && e.Phase == emulator.BeforeWork:
			asked.Store(true)
		case e.Route == "files/list_folder" && e.Phase == emulator.BeforeWork:
			for deadline := time.Now().Add(time.Minute); !asked.Load() && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			heldFor.Store(asked.Load())
		}
	}})
	root := study(t, sized(2, 1024, 40<<20))
	if _, err := Run(context.Background(), c, Options{Local: root, Dest: "/s"}); err != nil {
		t.Fatal(err)
	}
	if !heldFor.Load() {
		t.Error("the listing was answered before the free space was asked: the check waits for the listing")
	}
}
