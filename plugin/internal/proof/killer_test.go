package proof

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// killPoint is a moment of a push at which the client gets SIGKILL: the
// nth request of a route, at a phase, optionally once a condition on
// what Dropbox holds is true.
type killPoint struct {
	name  string
	route string // without the "files/" prefix
	phase emulator.Phase
	nth   int                               // 1: the first such request of the push
	when  func(held map[string]string) bool // nil: always
}

// killer is an emulator hook that kills an armed push at its kill point
// and, at every request of every push, checks that each file Dropbox
// holds is either the old or the new version.
type killer struct {
	point    killPoint
	dest     string
	old, new version

	srv   atomic.Pointer[emulator.Server]
	armed atomic.Pointer[proc]

	mu       sync.Mutex
	seen     int      // requests of the kill point's route and phase so far
	fired    bool     // the kill happened
	atKill   int      // files holding the new version just after the kill
	problems []string // old-or-new violations seen, with when
	checks   int      // old-or-new checks made
}

// hook is the emulator hook.
func (k *killer) hook(ev emulator.Event) {
	srv := k.srv.Load()
	if srv == nil {
		return
	}
	k.check(srv, ev.Phase.String()+" "+ev.Route)
	p := k.armed.Load()
	if p == nil || "files/"+k.point.route != ev.Route || ev.Phase != k.point.phase {
		return
	}
	k.mu.Lock()
	k.seen++
	fire := !k.fired && k.seen >= k.point.nth && (k.point.when == nil || k.point.when(holds(srv)))
	if fire {
		k.fired = true
	}
	k.mu.Unlock()
	if !fire {
		return
	}
	p.kill()
	k.check(srv, "just after the kill")
	k.mu.Lock()
	k.atKill = k.newCount(holds(srv))
	k.mu.Unlock()
	// Drop the request: before the work, it is never done; after it, the
	// answer is lost (the client is dead anyway).
	panic(http.ErrAbortHandler)
}

// setVersions sets the versions a file may hold (new nil: only the old
// one, or none).
func (k *killer) setVersions(old, new version) {
	k.mu.Lock()
	k.old, k.new = old, new
	k.mu.Unlock()
}

// check records the files that are neither old nor new.
func (k *killer) check(srv *emulator.Server, when string) {
	k.mu.Lock()
	old, new := k.old, k.new
	k.mu.Unlock()
	bad := mixed(holds(srv), k.dest, old, new)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.checks++
	for _, b := range bad {
		k.problems = append(k.problems, when+": "+b)
	}
}

// newCount counts the files of held that hold their new version.
func (k *killer) newCount(held map[string]string) int {
	n := 0
	for rel, h := range k.new {
		if held[remoteName(k.dest, rel)] == h {
			n++
		}
	}
	return n
}

// killedPush runs a push armed with the kill point and waits until it is
// killed; it fails the test if the push ends without reaching the point.
func (k *killer) killedPush(t testing.TB, url string, args ...string) {
	t.Helper()
	p := startPush(t, url, args...)
	k.armed.Store(p)
	defer k.armed.Store(nil)
	if !p.wait(5 * time.Minute) {
		t.Fatalf("kill point %q: the push still runs after 5 minutes", k.point.name)
	}
	k.mu.Lock()
	fired := k.fired
	k.mu.Unlock()
	if !fired || p.out.Signal != "killed" {
		t.Fatalf("kill point %q was never reached: the push ended by itself, %s", k.point.name, p.out.describe())
	}
}
