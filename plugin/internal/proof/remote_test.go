package proof

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
)

// The checks of what the emulated Dropbox holds. They look at the whole
// account, not only at the destination: a copy made anywhere else (an
// autorenamed "name (1).csv", a stray folder) is a failure too.

// remoteName returns the Dropbox path (lower case) of rel under dest.
func remoteName(dest, rel string) string { return strings.ToLower(dest + "/" + rel) }

// holds returns what the emulator holds: lower-case path → content hash.
func holds(srv *emulator.Server) map[string]string {
	out := map[string]string{}
	for _, f := range srv.Files() {
		out[f.PathLower] = f.ContentHash
	}
	return out
}

// exactly fails the test unless the emulator holds exactly want under dest
// and nothing else: every file, with its content hash, no extra file. With
// content, it also reads each file back and hashes what it holds.
func exactly(t testing.TB, srv *emulator.Server, dest string, want version, content bool) {
	t.Helper()
	got := holds(srv)
	var problems []string
	for rel, h := range want {
		p := remoteName(dest, rel)
		g, ok := got[p]
		switch {
		case !ok:
			problems = append(problems, "missing: "+p)
		case g != h:
			problems = append(problems, fmt.Sprintf("wrong content: %s has hash %.12s…, want %.12s…", p, g, h))
		case content:
			if _, data, err := srv.File(p); err != nil || hashOf(data) != h {
				problems = append(problems, fmt.Sprintf("wrong stored bytes: %s (%v)", p, err))
			}
		}
		delete(got, p)
	}
	for p := range got {
		problems = append(problems, "extra file: "+p)
	}
	failWith(t, problems, fmt.Sprintf("Dropbox does not hold exactly the %d files pushed", len(want)))
}

// mixed returns what breaks "every file holds either its old or its new
// version, or is absent": a file with other content, or a file that is in
// neither version.
func mixed(got map[string]string, dest string, old, new version) []string {
	allowed := map[string][2]string{}
	for rel, h := range old {
		a := allowed[remoteName(dest, rel)]
		a[0] = h
		allowed[remoteName(dest, rel)] = a
	}
	for rel, h := range new {
		a := allowed[remoteName(dest, rel)]
		a[1] = h
		allowed[remoteName(dest, rel)] = a
	}
	var problems []string
	for p, h := range got {
		a, ok := allowed[p]
		switch {
		case !ok:
			problems = append(problems, "extra file: "+p)
		case h != a[0] && h != a[1]:
			problems = append(problems, fmt.Sprintf("%s holds neither the old nor the new version (hash %.12s…)", p, h))
		}
	}
	sort.Strings(problems)
	return problems
}

// failWith fails the test with (at most 10 of) problems, under a headline.
func failWith(t testing.TB, problems []string, headline string) {
	t.Helper()
	if len(problems) == 0 {
		return
	}
	sort.Strings(problems)
	n, more := len(problems), ""
	if len(problems) > 10 {
		more = fmt.Sprintf("\n  … and %d more", len(problems)-10)
		problems = problems[:10]
	}
	t.Errorf("%s (%d problems):\n  %s%s", headline, n, strings.Join(problems, "\n  "), more)
}
