package main

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's root, from this package's folder.
var repoRoot = filepath.Join("..", "..", "..")

// readmeMaxLines is how long the README may grow: a newcomer reads it in
// minutes; the rest lives in docs/.
const readmeMaxLines = 400

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadmeIsShort(t *testing.T) {
	if n := strings.Count(readRepoFile(t, "README.md"), "\n"); n > readmeMaxLines {
		t.Errorf("README.md has %d lines, more than %d: move the detail into the docs/ file where its topic lives, and link it", n, readmeMaxLines)
	}
}

// markdownLink is an inline link or image: [text](target). Text may span
// lines.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// links returns the link targets of a Markdown text, outside code blocks
// and code spans.
func links(text string) []string {
	var out []string
	fence := false
	var prose strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if !fence {
			prose.WriteString(line + "\n")
		}
	}
	// Code spans never hold links; drop them (they may hold "](").
	noSpans := regexp.MustCompile("`[^`]*`").ReplaceAllString(prose.String(), "")
	for _, m := range markdownLink.FindAllStringSubmatch(noSpans, -1) {
		out = append(out, m[1])
	}
	return out
}

// anchors returns the anchors GitHub makes for the headings of a Markdown
// text: lower case, letters, digits, '-' and '_' kept, spaces made '-'.
func anchors(text string) map[string]bool {
	a := map[string]bool{}
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		a[b.String()] = true
	}
	return a
}

// TestDocsLinks follows every relative link from the README: each must
// lead to a file that exists (and a heading that exists, for an anchor),
// and every page of docs/ must be reached, so that nothing documented is
// lost to a newcomer.
func TestDocsLinks(t *testing.T) {
	reached := map[string]bool{}
	queue := []string{"README.md"}
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		if reached[page] {
			continue
		}
		reached[page] = true
		text := readRepoFile(t, page)
		for _, target := range links(text) {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			dest := page
			if file != "" {
				dest = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(page), file)))
			}
			info, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(dest)))
			if err != nil {
				t.Errorf("%s links to %q, which does not exist", page, target)
				continue
			}
			if info.IsDir() || !strings.HasSuffix(dest, ".md") {
				continue
			}
			if anchor != "" && !anchors(readRepoFile(t, dest))[anchor] {
				t.Errorf("%s links to %q: %s has no heading for #%s", page, target, dest, anchor)
			}
			queue = append(queue, dest)
		}
	}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, path)
		if !reached[filepath.ToSlash(rel)] {
			t.Errorf("%s cannot be reached from the README by its links", filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reached["CHANGELOG.md"] {
		t.Errorf("the README does not link CHANGELOG.md")
	}
}

// TestReadmeNamesEveryCommand checks that the README's table of commands
// names each command of the program.
func TestReadmeNamesEveryCommand(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	for _, c := range tree().Commands() {
		if c.IsAvailableCommand() && !regexp.MustCompile("`"+regexp.QuoteMeta(c.Name())+"[` ]").MatchString(readme) {
			t.Errorf("the README's table of commands does not name %q", c.Name())
		}
	}
}

// TestReadmeExitCodes checks that the README's table of exit codes has a
// row for every code of package exit: scripts read that table.
func TestReadmeExitCodes(t *testing.T) {
	pkg, err := build.Import("github.com/librec-auto/dropbox-post/plugin/internal/exit", ".", build.FindOnly)
	if err != nil {
		t.Fatal(err)
	}
	codes := exitCodes(t, pkg.Dir)
	if len(codes) < 10 {
		t.Fatalf("found only %d exit codes in %s", len(codes), pkg.Dir)
	}
	readme := readRepoFile(t, "README.md")
	for name, code := range codes {
		if !strings.Contains(readme, "\n| "+strconv.Itoa(code)+" | ") {
			t.Errorf("the README's exit codes have no row for %d (exit.%s)", code, name)
		}
	}
}

// exitCodes reads the constants of type Code in package exit's source.
func exitCodes(t *testing.T, dir string) map[string]int {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					v := s.(*ast.ValueSpec)
					if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Code" || len(v.Values) != len(v.Names) {
						continue
					}
					for i, n := range v.Names {
						if lit, ok := v.Values[i].(*ast.BasicLit); ok {
							c, _ := strconv.Atoi(lit.Value)
							codes[n.Name] = c
						}
					}
				}
			}
		}
	}
	return codes
}

// envName is a name the program or the shim may read from the
// environment.
var envName = regexp.MustCompile(`"((?:DROPBOX|XDG)_[A-Z0-9_]+)"`)

// notVariables look like variables and are not: docs/environment.md need
// not list them (they are documented where they belong).
var notVariables = map[string]bool{
	"DROPBOX_SCOPE": true, // a line of decrypt's output and encrypt's input (docs/credentials.md)
}

// TestEnvironmentDocumented checks that every DROPBOX_… and XDG_… name in
// the program's and the shim's source (tests and the interop harness
// aside) is in docs/environment.md.
func TestEnvironmentDocumented(t *testing.T) {
	var docs strings.Builder
	docs.WriteString(readRepoFile(t, "README.md"))
	filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			b, _ := os.ReadFile(path)
			docs.Write(b)
		}
		return err
	})
	env := readRepoFile(t, "docs/environment.md")
	found := 0
	for _, top := range []string{"plugin", "configschema", "internal", "scripts"} {
		filepath.WalkDir(filepath.Join(repoRoot, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "testdata") || strings.Contains(filepath.ToSlash(path), "/interop/") ||
				!strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".py") {
				return err
			}
			b, _ := os.ReadFile(path)
			for _, m := range envName.FindAllStringSubmatch(string(b), -1) {
				found++
				if notVariables[m[1]] {
					if !strings.Contains(docs.String(), m[1]) {
						t.Errorf("%s names %s, which no page of the docs mentions", path, m[1])
					}
				} else if !strings.Contains(env, m[1]) {
					t.Errorf("%s names %s, which docs/environment.md does not list", path, m[1])
				}
			}
			return nil
		})
	}
	if found == 0 {
		t.Fatal("found no environment variable in the source: is the walk looking in the right place?")
	}
}

// repoPath is a path of the repository written in a code span.
var repoPath = regexp.MustCompile("`((?:plugin|internal|scripts|interop|configschema|studies|docs)/[^`\\s:]*)`")

// TestDocsPathsExist checks that every path of the repository the README
// and docs/ name in a code span exists (a glob matches something), so that
// a move leaves no page pointing at nothing. The CHANGELOG is history and
// is not checked.
func TestDocsPathsExist(t *testing.T) {
	pages := []string{"README.md"}
	m, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	for _, p := range m {
		pages = append(pages, "docs/"+filepath.Base(p))
	}
	for _, page := range pages {
		for _, sub := range repoPath.FindAllStringSubmatch(readRepoFile(t, page), -1) {
			path := strings.TrimSuffix(sub[1], "/")
			if strings.Contains(path, "…") {
				continue
			}
			found, err := filepath.Glob(filepath.Join(repoRoot, filepath.FromSlash(path)))
			if err != nil || len(found) == 0 {
				t.Errorf("%s names %q, which does not exist: say where it is now", page, sub[1])
			}
		}
	}
}
