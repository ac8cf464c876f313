// Command docgen writes the dropbox-post command reference from the
// command tree itself (cobra's doc package): one Markdown page per command
// into docs/reference/, which is committed and checked by this package's
// test, and man pages, which are build output. 'make docs' runs it from the
// repository root:
//
//	go run ./plugin/cmd/docgen [-markdown docs/reference] [-man bin/man/man1 [-version v1.2.0]]
//
// An empty -markdown or -man writes no pages of that kind. Man pages are
// dated by SOURCE_DATE_EPOCH when it is set (reproducible archives), else
// by today.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/librec-auto/dropbox-post/plugin/internal/cli"
)

func main() {
	markdown := flag.String("markdown", "docs/reference", "the folder for the Markdown reference (its generated pages are replaced)")
	man := flag.String("man", "", "the folder for the man pages (section 1)")
	version := flag.String("version", "", "the version the man pages name (make dist gives its own)")
	flag.Parse()
	if err := generate(*markdown, *man, *version); err != nil {
		fmt.Fprintf(os.Stderr, "docgen: %v\n", err)
		os.Exit(1)
	}
}

func generate(markdownDir, manDir, version string) error {
	if markdownDir != "" {
		if err := writeMarkdown(tree(), markdownDir); err != nil {
			return fmt.Errorf("markdown reference: %w", err)
		}
		fmt.Printf("wrote the Markdown reference in %s\n", markdownDir)
	}
	if manDir != "" {
		if err := writeMan(tree(), manDir, version); err != nil {
			return fmt.Errorf("man pages: %w", err)
		}
		fmt.Printf("wrote the man pages in %s\n", manDir)
	}
	return nil
}

// tree is the program's command tree, without cobra's "Auto generated …
// on <date>" line (a date would change every page each day).
func tree() *cobra.Command {
	root := cli.CommandTree()
	root.DisableAutoGenTag = true
	return root
}

// header opens every generated Markdown page.
const header = "<!-- Generated from the code by 'make docs' (plugin/cmd/docgen): do not edit. -->\n\n"

// writeMarkdown replaces the generated pages in dir (dropbox-post*.md)
// with one page per command.
func writeMarkdown(root *cobra.Command, dir string) error {
	// Help text is plain text, not Markdown: shown as it is, in a block,
	// so that <name>, * and _ in it stay what they are.
	visit(root, func(c *cobra.Command) {
		if c.Long != "" {
			c.Long = "```text\n" + strings.TrimRight(c.Long, "\n") + "\n```"
		}
		c.Short = escapeMarkdown(c.Short)
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "dropbox-post*.md"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return doc.GenMarkdownTreeCustom(root, dir, func(string) string { return header }, func(s string) string { return s })
}

// writeMan writes one man page per command into dir, naming version
// (none when empty).
func writeMan(root *cobra.Command, dir, version string) error {
	// The man pages are made from Markdown (go-md2man): help text is
	// escaped so that it reaches the page as it is.
	visit(root, func(c *cobra.Command) {
		c.Long, c.Short = escapeMarkdown(c.Long), escapeMarkdown(c.Short)
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenManTree(root, &doc.GenManHeader{
		Section: "1",
		Source:  strings.TrimSpace("dropbox-post " + version),
		Manual:  "dropbox-post manual",
	}, dir)
}

// visit calls f on c and every command under it.
func visit(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		visit(sub, f)
	}
}

// markdownSpecial are the characters that Markdown could take for markup
// in plain help text.
var markdownSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `<`, `\<`, `>`, `\>`,
	`[`, `\[`, `]`, `\]`, `#`, `\#`, `|`, `\|`,
)

// escapeMarkdown returns s with every character Markdown could take for
// markup escaped by a backslash.
func escapeMarkdown(s string) string { return markdownSpecial.Replace(s) }
