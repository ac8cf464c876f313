package exit

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOf(t *testing.T) {
	base := New(WrongPassword, "wrong password for keys/a.enc", "check -k")
	cases := []struct {
		err  error
		want Code
	}{
		{nil, OK},
		{errors.New("boom"), Failure},
		{base, WrongPassword},
		{fmt.Errorf("element 2: %w", base), WrongPassword},
	}
	for _, c := range cases {
		if got := CodeOf(c.err); got != c.want {
			t.Errorf("CodeOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	if got := New(KeyFile, "key file is damaged", "").Error(); got != "key file is damaged" {
		t.Errorf("no fix: got %q", got)
	}
	if got := New(Usage, "missing DEST", "give a Dropbox folder such as /results").Error(); got != "missing DEST: give a Dropbox folder such as /results" {
		t.Errorf("with fix: got %q", got)
	}
	cause := errors.New("cause")
	if !errors.Is(Wrap(Local, cause, "x", "y"), cause) {
		t.Error("Wrap does not keep its cause")
	}
}
