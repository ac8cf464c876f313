package configschema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	e := Element{Password: PasswordInline, ConfigPassword: Secret("hunter2")}
	outputs := []string{
		fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e),
		fmt.Sprintf("%s", e.ConfigPassword), fmt.Sprintf("%q", e.ConfigPassword), fmt.Sprint(e.ConfigPassword),
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(b))
	for _, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("the password leaks: %s", out)
		}
	}
	if !strings.Contains(string(b), `"ConfigPassword":"\u003cpassword hidden\u003e"`) || !strings.Contains(string(b), `"Password":"in the config"`) {
		t.Errorf("JSON = %s", b)
	}
	if e.ConfigPassword.Reveal() != "hunter2" {
		t.Error("Reveal lost the password")
	}
}

func TestNames(t *testing.T) {
	for o, want := range map[Option]string{File: "file", Folder: "folder", Skip: "No", 0: "unset"} {
		if o.String() != want {
			t.Errorf("Option(%d) = %q, want %q", o, o, want)
		}
	}
	for m, want := range map[PasswordMode]string{PasswordAbsent: "none", PasswordFromFlag: "from -k", PasswordInline: "in the config"} {
		if m.String() != want {
			t.Errorf("PasswordMode(%d) = %q, want %q", m, m, want)
		}
	}
	p := Problem{File: "conf/config.xml", Line: 12, What: "dest is relative", Fix: "start it with /"}
	if p.String() != "conf/config.xml:12: dest is relative: start it with /" {
		t.Errorf("Problem.String() = %q", p)
	}
	p.Line, p.Fix = 0, ""
	if p.String() != "conf/config.xml: dest is relative" {
		t.Errorf("Problem.String() = %q", p)
	}
}
