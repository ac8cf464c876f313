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

// TestPasswordOf: a librec-auto call's password is the config's when it is
// the element's text and no -k password followed it.
func TestPasswordOf(t *testing.T) {
	c, err := Parse("conf/config.xml", []byte(`<librec-auto>
<post>
  <script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
    <param name="option">file</param><param name="password">in-config</param>
  </script>
  <script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
    <param name="Password">first</param><param name="password">
      second
    </param>
  </script>
  <script lang="python3" src="system"><script-name>dropbox-post.py</script-name>
    <param name="password"/>
  </script>
</post>
</librec-auto>`))
	if err != nil {
		t.Fatal(err)
	}
	one, two, empty := c.Scripts[0], c.Scripts[1], c.Scripts[2]
	for _, tc := range []struct {
		name    string
		s       Script
		pw      CallPassword
		written Secret
		config  bool
	}{
		{"the config's text only", one, CallPassword{"in-config", 1}, "in-config", true},
		{"-k after the config's text", one, CallPassword{"from-k", 2}, "in-config", false},
		{"-k equal to the config's text", one, CallPassword{"in-config", 2}, "in-config", false},
		{"a value the config does not hold", one, CallPassword{"other", 1}, "in-config", false},
		{"no password", one, CallPassword{}, "in-config", false},
		{"two texts, the last wins", two, CallPassword{"\n      second\n    ", 2}, "second", true},
		{"two texts, and -k", two, CallPassword{"second", 3}, "second", false},
		{"an old shim's count of one", two, CallPassword{"second", 1}, "second", true},
		{"an empty password param: -k", empty, CallPassword{"from-k", 1}, "", false},
		{"an empty password param and an empty -k", empty, CallPassword{"", 1}, "", false},
	} {
		written, config := tc.s.PasswordOf(tc.pw)
		if written != tc.written || config != tc.config {
			t.Errorf("%s: PasswordOf = %q, %v; want %q, %v", tc.name, written.Reveal(), config, tc.written.Reveal(), tc.config)
		}
	}
}
