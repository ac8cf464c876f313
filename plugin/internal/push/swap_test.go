package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// TestSymlinkSwapNeverReadsOutside races pushes against a swapper that
// keeps replacing a middle folder of the study (a) by a symbolic link to a
// folder outside it holding a secret file at the same relative path and of
// the same size. The scan and every read go through the folder the scan
// opened (os.Root), so the secret must never reach Dropbox, in any request
// body, whatever the timing; pushes may fail (the path is broken half of
// the time), but some must post the real file.
func TestSymlinkSwapNeverReadsOutside(t *testing.T) {
	srv, _ := startEmulator(t, emulator.Options{})
	secret := []byte("SECRET-outside-the-study-0123456789\n")
	real := []byte("result-inside-the-study-abcdefghijk\n")
	base := t.TempDir()
	local := filepath.Join(base, "study")
	for dir, data := range map[string][]byte{filepath.Join(local, "a", "b"): real, filepath.Join(base, "outside", "b"): secret} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "r.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var leaked atomic.Int64
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, secret[:20]) || bytes.Contains([]byte(r.Header.Get("Dropbox-API-Arg")), secret[:20]) {
			leaked.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		srv.Handler().ServeHTTP(w, r)
	}))
	defer spy.Close()
	c := client(t, spy.URL)

	a, aReal, aLink := filepath.Join(local, "a"), filepath.Join(local, "a.real"), filepath.Join(local, "a.link")
	if err := os.Symlink(filepath.Join(base, "outside"), aLink); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var swaps atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// a → a.real, a.link → a (now the link), then back.
			os.Rename(a, aReal)
			os.Rename(aLink, a)
			swaps.Add(1)
			os.Rename(a, aLink)
			os.Rename(aReal, a)
		}
	}()
	posted := 0
	const pushes = 300
	for i := range pushes {
		sum, err := Run(context.Background(), c, Options{Local: local, Dest: fmt.Sprintf("/swap/%d", i)})
		if err == nil && sum.Uploaded > 0 {
			posted++
		}
	}
	close(stop)
	wg.Wait()
	if n := leaked.Load(); n > 0 {
		t.Fatalf("%d requests carried the secret from outside the study", n)
	}
	for _, f := range srv.Files() {
		if _, data, err := srv.File(f.Path); err == nil && bytes.Equal(data, secret) {
			t.Fatalf("Dropbox holds the secret at %s", f.Path)
		}
	}
	if posted == 0 {
		t.Fatalf("none of %d pushes posted anything: the race proved nothing", pushes)
	}
	t.Logf("%d of %d pushes posted the real file; %d swaps raced them", posted, pushes, swaps.Load())
}

// TestStudyPathSwappedAfterCheck: run checked that an element's path
// (study/res/post, or a file in it) lies in the study; then res was swapped
// for a link to a folder outside with a secret at the same path. Reached from
// the study through os.Root, the push refuses it and sends no secret.
func TestStudyPathSwappedAfterCheck(t *testing.T) {
	srv, c := startEmulator(t, emulator.Options{})
	secret := []byte("SECRET-outside-the-study\n")
	base := t.TempDir()
	study := filepath.Join(base, "study")
	write := func(rel string, data []byte) {
		p := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("study/res/post/r.csv", []byte("result\n"))
	write("outside/post/r.csv", secret)
	res := filepath.Join(study, "res")
	post := filepath.Join(res, "post")
	checked := map[string]string{"folder": post, "file": filepath.Join(post, "r.csv")}
	if err := os.Rename(res, res+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside"), res); err != nil {
		t.Fatal(err)
	}
	for kind, local := range checked {
		if _, err := Run(context.Background(), c, Options{Local: local, Dest: "/swapped/" + kind, Study: study}); err == nil {
			t.Errorf("%s: the push went through a link out of the study", kind)
		}
	}
	for _, f := range srv.Files() {
		if _, data, err := srv.File(f.Path); err == nil && bytes.Equal(data, secret) {
			t.Fatalf("Dropbox holds the secret at %s", f.Path)
		}
	}
	// The same study, put back, posts.
	os.Remove(res)
	if err := os.Rename(res+".real", res); err != nil {
		t.Fatal(err)
	}
	if sum, err := Run(context.Background(), c, Options{Local: post, Dest: "/ok", Study: study}); err != nil || sum.Uploaded != 1 {
		t.Fatalf("the real study: %+v, %v", sum, err)
	}
}
