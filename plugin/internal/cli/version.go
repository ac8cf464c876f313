package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// Version is the program's version when the build sets it, with
// -ldflags "-X github.com/librec-auto/dropbox-post/plugin/internal/cli.Version=…"
// (make build and make dist do). Left empty, the version comes from the
// build itself: see ToolVersion.
var Version = ""

// ToolVersion returns the version of this binary, the one --version prints,
// manifests record and the User-Agent carries: Version when the build set
// it, else the module version Go stamped into the binary (v1.2.3 for
// 'go install …@v1.2.3', a pseudo-version with the commit for 'go build'
// in a git checkout), else the commit itself, else "unknown".
func ToolVersion() string {
	toolVersionOnce.Do(func() {
		info, _ := debug.ReadBuildInfo()
		toolVersion = versionOf(Version, info)
	})
	return toolVersion
}

// unknownVersion is the version of a build that recorded none.
const unknownVersion = "unknown"

var (
	toolVersionOnce sync.Once
	toolVersion     string
)

// versionOf picks the version from an ldflags value and the build's
// information (nil when the binary carries none).
func versionOf(ldflags string, info *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if info == nil {
		return unknownVersion
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	vcs := vcsOf(info)
	if vcs.revision == "" {
		return unknownVersion
	}
	v := "devel-" + short(vcs.revision)
	if vcs.modified {
		v += "-dirty"
	}
	return v
}

type vcsInfo struct {
	revision, time string
	modified       bool
}

func vcsOf(info *debug.BuildInfo) vcsInfo {
	var v vcsInfo
	if info == nil {
		return v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.revision = s.Value
		case "vcs.time":
			v.time = s.Value
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	return v
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// versionCmd is 'dropbox-post version', which prints what --version
// prints.
func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version, the commit, and the Go version and platform of the build",
		Long:    "version prints what --version prints, on any command: the version, the commit it was built from when the build recorded it, and the Go version and platform.",
		Example: "  dropbox-post version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

// versionEverywhere gives every command under root root's --version, as the
// README promises (cobra gives it to the root only): 'push --version' prints
// the version. librec-auto's calling convention reads its own arguments.
func versionEverywhere(root *cobra.Command) {
	eachCommand(root, func(c *cobra.Command) {
		if !c.DisableFlagParsing {
			c.Version = root.Version
		}
	})
}

// versionText is what --version prints: the version, the commit it was
// built from when the build recorded it, and the Go version and platform.
func versionText() string {
	info, _ := debug.ReadBuildInfo()
	return versionLines(ToolVersion(), vcsOf(info), runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
}

func versionLines(version string, vcs vcsInfo, goVersion, platform string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dropbox-post %s\n", version)
	if vcs.revision != "" {
		fmt.Fprintf(&b, "commit %s", vcs.revision)
		if vcs.time != "" {
			fmt.Fprintf(&b, " (%s)", vcs.time)
		}
		if vcs.modified {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "built with %s for %s\n", goVersion, platform)
	if version == unknownVersion {
		// Go records no commit with -buildvcs=false (GOFLAGS, or the go env
		// file), outside a git checkout, or in a git worktree.
		b.WriteString("this build recorded no version: 'make build' stamps one, and so does 'go build -buildvcs=true' in a git clone\n")
	}
	return b.String()
}
