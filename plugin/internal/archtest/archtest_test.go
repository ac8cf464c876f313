package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// listed is what 'go list -json' says of one package.
type listed struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// moduleGraph is the module's import graph, from 'go list': the imports of
// every package, and for the emulator's packages those of their tests too.
func moduleGraph(t *testing.T) Graph {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the imports: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-json", Module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	g := Graph{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from := inModule(p.ImportPath)
		imports := p.Imports
		if isEmulator(from) {
			imports = slices.Concat(imports, p.TestImports, p.XTestImports)
		}
		g[from] = nil
		for _, imp := range imports {
			if to := inModule(imp); to != imp && to != from && !slices.Contains(g[from], to) {
				g[from] = append(g[from], to)
			}
		}
	}
	if len(g) < 20 || g[commands] == nil {
		t.Fatalf("go list found %d packages, without %s's imports: not the module's graph", len(g), commands)
	}
	return g
}

// inModule is the path of p inside the module, or p when it is outside.
func inModule(p string) string {
	if rest, ok := strings.CutPrefix(p, Module+"/"); ok {
		return rest
	}
	return p
}

func TestTheModuleKeepsItsImportRules(t *testing.T) {
	for _, v := range Check(moduleGraph(t)) {
		t.Error(v)
	}
}

// TestCheckFindsBrokenRules runs Check on small made-up graphs: one that
// keeps every rule, and one import that breaks each.
func TestCheckFindsBrokenRules(t *testing.T) {
	good := Graph{
		"plugin/cmd/dropbox-post":   {"plugin/internal/cli"},
		"plugin/cmd/docgen":         {"plugin/internal/cli"},
		"plugin/internal/cli":       {"plugin/internal/study", "plugin/internal/pull", "internal/emulator", "plugin/internal/report"},
		"plugin/internal/study":     {"plugin/internal/push", "configschema"},
		"plugin/internal/push":      {"plugin/internal/transfer", "plugin/internal/verify", "plugin/internal/share", "plugin/internal/plan"},
		"plugin/internal/transfer":  {"plugin/internal/plan", "plugin/internal/dbx", "plugin/internal/remote"},
		"plugin/internal/plan":      {"plugin/internal/remote", "internal/dpath"},
		"plugin/internal/remote":    {"plugin/internal/dbx"},
		"plugin/internal/dbx":       {"plugin/internal/exit"},
		"plugin/internal/emutest":   {"internal/emulator", "plugin/internal/dbx"},
		"internal/emulator":         {"internal/emulator/store", "internal/filter"},
		"internal/emulator/interop": {"internal/emulator"},
		"scripts/demo":              {"internal/emulator/emuproc"},
	}
	if bad := Check(good); len(bad) > 0 {
		t.Fatalf("a graph that keeps the rules was refused: %q", bad)
	}
	for _, c := range []struct {
		from, to, why string
	}{
		{"plugin/internal/dbx", "plugin/internal/cli", "only the programs"},
		{"plugin/internal/pull", "plugin/internal/push", "a use case is imported only by cli"},
		{"plugin/internal/transfer", "plugin/internal/whoami", "a use case is imported only by cli"},
		{"plugin/internal/verify", "plugin/internal/study", "a use case is imported only by cli"},
		{"plugin/internal/transfer", "internal/emulator", "only cli (and the emulator's test helpers) import the emulator"},
		{"scripts/demo", "internal/emulator/store", "only cli (and the emulator's test helpers) import the emulator"},
		{"internal/emulator/store", "internal/dpath", "the emulator imports none of the client's packages"},
		{"internal/emulator", "plugin/internal/blocks", "the emulator imports none of the client's packages"},
		{"plugin/internal/push", "plugin/internal/emutest", "a test helper is imported by tests only"},
		{"plugin/internal/dbx", "plugin/internal/transfer", "reaches back up the chain"},
		{"plugin/internal/plan", "plugin/internal/transfer", "reaches back up the chain"},
		{"plugin/internal/report", "plugin/internal/dbx", "reaches back up the chain"},
		{"plugin/internal/push", "plugin/internal/study", "a use case is imported only by cli"},
	} {
		g := Graph{}
		for k, v := range good {
			g[k] = slices.Clone(v)
		}
		g[c.from] = append(g[c.from], c.to)
		bad := Check(g)
		if len(bad) != 1 || !strings.HasPrefix(bad[0], c.from+" imports "+c.to+": ") || !strings.Contains(bad[0], c.why) {
			t.Errorf("%s → %s: Check said %q, want one line saying %q", c.from, c.to, bad, c.why)
		}
	}
}
