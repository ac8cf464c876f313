package secret

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestPasswordNeverPrints(t *testing.T) {
	p := NewPassword("password")
	holder := struct {
		PW   Password
		Name string
	}{p, "x"}
	js, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(p), fmt.Sprintf("%s %v %q %x %d %+v %#v", p, p, p, p, p, holder, holder),
		string(js), fmt.Errorf("wrap: %w", fmt.Errorf("%v", p)).Error(),
	} {
		if strings.Contains(out, "password") || !strings.Contains(out, "redacted") {
			t.Errorf("printed %q", out)
		}
	}
	if p.Reveal() != "password" {
		t.Error("Reveal lost the password")
	}
}
