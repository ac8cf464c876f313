// Package archtest holds the module's import rules and checks them on the
// import graph that 'go list' reports (the test in this package runs it).
// The rules keep the layout by role that docs/architecture.md describes:
//
//   - only the commands (package cli) use the use cases and run the
//     emulator (the scripts start it as a process, with emuproc); a use
//     case uses another only down its chain (study → push → verify, share);
//   - nothing imports cli but the programs (plugin/cmd/…);
//   - the emulator (internal/emulator/…, its tests included) imports none
//     of the client's packages, so that it is an independent check of
//     them; it may use the shared low-level ones (internal/…) but dpath;
//   - the test helpers (emutest, interop, keyvectors, heaptest) are imported by
//     tests only;
//   - no package reaches back up the chain a <script> element travels:
//     study → push → transfer → plan → remote → dbx → report.
package archtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Graph is an import graph: each package (its path inside the module) and
// the module's packages it imports.
type Graph map[string][]string

// Module is the module path, which Graph keys leave out.
const Module = "github.com/librec-auto/dropbox-post"

// useCases are the packages behind the commands. Each may import only the
// use cases listed for it.
var useCases = map[string][]string{
	"plugin/internal/study":       {"plugin/internal/push", "plugin/internal/verify", "plugin/internal/share"},
	"plugin/internal/push":        {"plugin/internal/verify", "plugin/internal/share"},
	"plugin/internal/pull":        nil,
	"plugin/internal/verify":      nil,
	"plugin/internal/whoami":      nil,
	"plugin/internal/share":       nil,
	"plugin/internal/shiminstall": nil,
}

// commands is the package that parses the command line and calls the use
// cases.
const commands = "plugin/internal/cli"

// chain is the way a <script> element travels, top first: a package may
// import only packages after it in the chain.
var chain = []string{
	"plugin/internal/study",
	"plugin/internal/push",
	"plugin/internal/transfer",
	"plugin/internal/plan",
	"plugin/internal/remote",
	"plugin/internal/dbx",
	"plugin/internal/report",
}

// testHelpers are imported by tests only.
var testHelpers = []string{"plugin/internal/emutest", "internal/emulator/interop", "plugin/internal/keyfile/keyvectors", "plugin/internal/heaptest"}

// isEmulator reports whether p is one of the emulator's packages: its
// server (internal/emulator, store) or its helpers (emuproc, interop).
func isEmulator(p string) bool {
	return p == "internal/emulator" || strings.HasPrefix(p, "internal/emulator/")
}

// isEmulatorServer reports whether p is the emulator itself, which only cli
// runs (emuproc, which starts it as a separate process, is for the scripts).
func isEmulatorServer(p string) bool {
	return p == "internal/emulator" || p == "internal/emulator/store" || strings.HasPrefix(p, "internal/emulator/store/")
}

// lowLevel reports whether p is a shared low-level package without
// Dropbox's rules in it, which the emulator may use: internal/… but
// internal/dpath, the client's path rules.
func lowLevel(p string) bool { return strings.HasPrefix(p, "internal/") && p != "internal/dpath" }

// isProgram reports whether p is a program (a main package).
func isProgram(p string) bool { return strings.HasPrefix(p, "plugin/cmd/") }

// Check returns every import of g that breaks a rule, one line each, sorted.
func Check(g Graph) []string {
	var bad []string
	add := func(from, to, why string) { bad = append(bad, fmt.Sprintf("%s imports %s: %s", from, to, why)) }
	rank := map[string]int{}
	for i, p := range chain {
		rank[p] = i + 1
	}
	for from, imports := range g {
		for _, to := range imports {
			_, toUseCase := useCases[to]
			switch {
			case to == commands && !isProgram(from):
				add(from, to, "only the programs (plugin/cmd/…) import cli")
			case toUseCase && from != commands && !slices.Contains(useCases[from], to):
				add(from, to, "a use case is imported only by cli, or by a use case above it in its chain")
			case isEmulatorServer(to) && !isEmulator(from) && from != commands && !slices.Contains(testHelpers, from):
				add(from, to, "only cli (and the emulator's test helpers) import the emulator")
			case isEmulator(from) && !isEmulator(to) && !lowLevel(to):
				add(from, to, "the emulator imports none of the client's packages")
			case slices.Contains(testHelpers, to) && !slices.Contains(testHelpers, from) && !isEmulator(from):
				add(from, to, "a test helper is imported by tests only")
			case rank[from] > 0 && rank[to] > 0 && rank[to] <= rank[from]:
				add(from, to, "it reaches back up the chain "+strings.Join(shortNames(chain), " → "))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

func shortNames(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p[strings.LastIndex(p, "/")+1:]
	}
	return out
}
