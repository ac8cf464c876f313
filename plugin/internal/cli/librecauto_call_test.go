package cli

import (
	"strings"
	"testing"
)

// TestLibrecAutoArgs checks which calls go to librec-auto's convention: a
// config file first, or element params after a first word that names no
// command. Commands, flags and mistyped commands are left alone.
func TestLibrecAutoArgs(t *testing.T) {
	root := newRootCmd(OSEnv())
	for _, tc := range []struct {
		args   string
		legacy bool
	}{
		{"config.xml --option=file --path=post/a.csv --dest=/d --password=pw", true},
		{"config.xml", true},
		{"STUDY.XML --option=No", true},
		{"conf/config.xml --dest=/d", true},
		{"settings --option=file", true},
		{"run -t study -k pw", false},
		{"push post /demo", false},
		{"help run", false},
		{"--help", false},
		{"-v run", false},
		{"frobnicate", false},
		{"pussh post /demo", false},
		{"", false},
	} {
		args := strings.Fields(tc.args)
		got := librecAutoArgs(root, args)
		isLegacy := len(got) > 0 && got[0] == librecAutoCommand
		if isLegacy != tc.legacy {
			t.Errorf("%q: legacy %v, want %v", tc.args, isLegacy, tc.legacy)
		}
		if isLegacy && strings.Join(got[1:], " ") != tc.args {
			t.Errorf("%q: arguments became %q", tc.args, got)
		}
	}
}
