package configschema

import "testing"

func TestCallSite(t *testing.T) {
	c, err := Parse("conf/config.xml", []byte(`<librec-auto>
<post>
  <script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
    <param name="option">file</param><param name="path">post/a.csv</param><param name="dest">/demo</param>
  </script>
  <script lang="python3" src="system">
    <script-name>dropbox_post.py</script-name>
    <param name="option">file</param>
    <param name="encrypted-key">keys/ro.enc</param>
    <param name="path">post/a.csv</param>
    <param name="dest">/other</param>
    <param name="dest">/readonly</param>
    <param name="exclude">*.tmp</param>
    <param name="exclude">*.bak</param>
    <param name="password"/>
    <param name="colour">blue</param>
  </script>
</post>
</librec-auto>`))
	if err != nil {
		t.Fatal(err)
	}
	// As librec-auto calls the second: every param with text, in order; -k's
	// password appended; the unknown one passed too (the call ignores it).
	s, ok := c.CallSite([]Flag{
		{"option", "file"}, {"encrypted_key", "keys/ro.enc"}, {"path", "post/a.csv"},
		{"dest", "/readonly"}, {"exclude", "*.tmp"}, {"exclude", "*.bak"}, {"password", "pw"},
	})
	if !ok || s.Index != 2 || s.Line != 6 {
		t.Errorf("CallSite = element %d (line %d), %v; want element 2 (line 6)", s.Index, s.Line, ok)
	}
	if s, ok := c.CallSite([]Flag{{"option", "file"}, {"path", "post/a.csv"}, {"dest", "/demo"}}); !ok || s.Index != 1 || s.Line != 3 {
		t.Errorf("CallSite = element %d (line %d), %v; want element 1 (line 3)", s.Index, s.Line, ok)
	}
	if _, ok := c.CallSite([]Flag{{"option", "file"}, {"path", "post/b.csv"}, {"dest", "/demo"}}); ok {
		t.Error("a call of no element of the config was matched")
	}
}
