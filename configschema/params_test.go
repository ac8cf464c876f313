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
		{"max-size", "max_size", true},
		{"MAX_SIZE", "max_size", true},
		{"exclude", "exclude", true},
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
// and with - or _; a param that names a flag of run is an unknown param,
// ignored. The filter params accumulate (exclude, include).
func TestParamSpellingsAndReserved(t *testing.T) {
	study := standardStudy(t)
	els, warns, err := resolve(t, study, dropboxConfig(`		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
			<param name="Option">file</param>
			<param name="encrypted-key">keys/dropbox.enc</param>
			<param name="PATH">post/plot.png</param>
			<param name="dest">/librec/demo</param>
			<param name="password"/>
			<param name="max-size">1K</param>
			<param name="Exclude">*.bin</param>
			<param name="exclude">logs/</param>
			<param name="include">*.png</param>
			<param name="allow-outside-study">true</param>
			<param name="api-url">http://x</param>
		</script>
		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
			<param name="option">file</param>
			<param name="encrypted_key">keys/dropbox.enc</param>
			<param name="path">post/plot.png</param>
			<param name="dest">/librec/other</param>
			<param name="parallel">64</param>
		</script>
`), ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	// Three unknown params: each warned about, the long explanation once.
	var unknown []Problem
	for _, w := range warns {
		if strings.HasPrefix(w.What, "unknown param") {
			unknown = append(unknown, w)
		}
	}
	if len(unknown) != 3 || unknown[0].Fix == "" || unknown[1].Fix != "" || unknown[2].Fix != "" {
		t.Errorf("unknown params: want three warnings, the first alone with the fix: %+v", unknown)
	}
	els = els[:1]
	if len(els) != 1 || els[0].Option != File || els[0].KeyPath != "keys/dropbox.enc" || els[0].Path != "post/plot.png" {
		t.Fatalf("elements: %+v", els)
	}
	if f := els[0].Filter; strings.Join(f.Exclude, "|") != "*.bin|logs/" || strings.Join(f.Include, "|") != "*.png" || f.MaxSize != 1024 {
		t.Errorf("filter params: %+v", f)
	}
	got := list(warns)
	if strings.Contains(got, "given again") {
		t.Errorf("a repeated exclude is not a repetition to warn about:\n%s", got)
	}
	for _, w := range []string{`unknown param "allow-outside-study" is ignored`} {
		if !strings.Contains(got, w) {
			t.Errorf("no warning %q in:\n%s", w, got)
		}
	}
}

// TestFilterParamProblems: a bad pattern or size is a problem on its line;
// an over-long pattern is refused before it is compiled.
func TestFilterParamProblems(t *testing.T) {
	study := standardStudy(t)
	_, _, err := resolve(t, study, dropboxConfig(`		<script lang="python3" src="system">
			<script-name>dropbox-post.py</script-name>
			<param name="option">file</param>
			<param name="encrypted_key">keys/dropbox.enc</param>
			<param name="path">post/plot.png</param>
			<param name="dest">/librec/demo</param>
			<param name="password"/>
			<param name="exclude">a[</param>
			<param name="include">`+strings.Repeat("**/", 400)+`</param>
			<param name="max_size">ten</param>
		</script>
`), ResolveOptions{RequireKey: true})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{`exclude pattern "a["`, "at most 1024", `max_size "ten" is not a size`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("no %q in:\n%v", w, err)
		}
	}
}
