package configschema

import (
	"strings"
	"testing"
)

func TestCanonicalParam(t *testing.T) {
	for _, tc := range []struct {
		in, want  string
		supported bool
	}{
		{"encrypted_key", "encrypted_key", true},
		{"Encrypted-Key", "encrypted_key", true},
		{"DEST", "dest", true},
		{"max-size", "max_size", false},
		{"MAX_SIZE", "max_size", false},
		{"exclude", "exclude", false},
		{"api-url", "", false},
		{"allow_outside_study", "", false},
		{"channel", "", false},
		{"", "", false},
	} {
		spec, ok := CanonicalParam(tc.in)
		if ok != (tc.want != "") || spec.Name != tc.want || spec.Supported != tc.supported {
			t.Errorf("CanonicalParam(%q) = %+v, %v; want %q supported=%v", tc.in, spec, ok, tc.want, tc.supported)
		}
	}
}

// TestParamSpellingsAndReserved: a config's param names count in any case
// and with - or _; a reserved param is ignored with a warning; a param that
// names a flag of run is an unknown param, ignored.
func TestParamSpellingsAndReserved(t *testing.T) {
	study := standardStudy(t)
	els, warns, err := resolve(t, study, dropboxConfig(`		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
			<param name="Option">file</param>
			<param name="encrypted-key">keys/dropbox.enc</param>
			<param name="PATH">post/plot.png</param>
			<param name="dest">/librec/demo</param>
			<param name="password"/>
			<param name="max-size">1</param>
			<param name="allow-outside-study">true</param>
		</script>
`), ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(els) != 1 || els[0].Option != File || els[0].KeyPath != "keys/dropbox.enc" || els[0].Path != "post/plot.png" {
		t.Fatalf("elements: %+v", els)
	}
	got := list(warns)
	for _, w := range []string{`param "max-size" is not supported yet; it is ignored`, `unknown param "allow-outside-study" is ignored`} {
		if !strings.Contains(got, w) {
			t.Errorf("no warning %q in:\n%s", w, got)
		}
	}
}
