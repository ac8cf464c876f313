package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionOf checks where the version comes from: the build's ldflags,
// else the module version Go stamps in, else the commit, never "dev".
func TestVersionOf(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "6c5a7b3512b491fa0956f79e08da8d9095de5893"},
		{Key: "vcs.time", Value: "2026-11-22T09:46:16Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	cases := []struct {
		name, ldflags string
		info          *debug.BuildInfo
		want          string
	}{
		{"ldflags win", "v1.2.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.1.0"}}, "v1.2.0"},
		{"go install @version", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.1.0"}}, "v1.1.0"},
		{"go build in a checkout", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261122094616-6c5a7b3512b4+dirty"}, Settings: vcs}, "v0.0.0-20261122094616-6c5a7b3512b4+dirty"},
		{"devel with vcs", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "devel-6c5a7b3512b4-dirty"},
		{"nothing known", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "unknown"},
		{"no build info", "", nil, "unknown"},
	}
	for _, c := range cases {
		if got := versionOf(c.ldflags, c.info); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	got := versionLines("v1.1.0", vcsOf(&debug.BuildInfo{Settings: vcs}), "go1.26.8", "darwin/arm64")
	want := "dropbox-post v1.1.0\ncommit 6c5a7b3512b491fa0956f79e08da8d9095de5893 (2026-11-22T09:46:16Z), with uncommitted changes\nbuilt with go1.26.8 for darwin/arm64\n"
	if got != want {
		t.Errorf("version text:\n%s\nwant:\n%s", got, want)
	}
	got = versionLines(unknownVersion, vcsInfo{}, "go1.26.8", "linux/amd64")
	if !strings.Contains(got, "dropbox-post unknown\n") || !strings.Contains(got, "'make build' stamps one") {
		t.Errorf("version text of a build without a version does not say how to get one:\n%s", got)
	}
}
