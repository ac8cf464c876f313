package configschema

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func flagList(kv ...string) []Flag {
	var out []Flag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Flag{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestResolveParamsGood(t *testing.T) {
	study := standardStudy(t)
	real, _ := filepath.EvalSymlinks(study)
	e, warns, err := ResolveParams(study, flagList(
		"option", "file", "encrypted_key", "keys/dropbox.enc", "path", "post/plot.png",
		"dest", "//librec/demo/", "password", "ignored"), ResolveOptions{RequireKey: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings:\n%s", joined(warns))
	}
	want := Element{
		Index: 1, ScriptName: "dropbox-post", Lang: "python3",
		Option: File, Path: "post/plot.png", Local: filepath.Join(real, "post", "plot.png"),
		Dest: "/librec/demo", Target: "/librec/demo/plot.png",
		KeyPath: "keys/dropbox.enc", Key: filepath.Join(real, "keys", "dropbox.enc"),
		Password: PasswordFromFlag,
	}
	if !sameElement(e, want) || e.ConfigPassword != "" {
		t.Errorf("element =\n  %+v\nwant\n  %+v", e, want)
	}
}

func TestResolveParamsProblemsNameTheFlag(t *testing.T) {
	study := standardStudy(t)
	_, _, err := ResolveParams(study, flagList(
		"option", "file", "path", "post/missing.csv", "dest", `a\b`, "encrypted_key", "keys/dropbox.enc"),
		ResolveOptions{RequireKey: true})
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.File != CommandLine {
		t.Fatalf("err = %v, want an *InvalidError about %s", err, CommandLine)
	}
	got := joined(ie.Problems)
	for _, want := range []string{`--path: path "post/missing.csv": `, "does not exist", "--dest: dest "} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, ":1:") || strings.Contains(got, "Dropbox script") {
		t.Errorf("problems name a line or a script:\n%s", got)
	}
}

func TestResolveParamsMissing(t *testing.T) {
	study := standardStudy(t)
	_, _, err := ResolveParams(study, flagList("path", "post/plot.png"), ResolveOptions{RequireKey: true})
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"--option: not given: post a file or a folder?: pass --option=file or --option=folder (--option=No does nothing)",
		"--dest: not given: where on Dropbox should it post?: pass --dest=/a/dropbox/folder",
		"--encrypted_key: not given: no credential was given another way: pass --encrypted_key=keys/dropbox.enc (make the file with dropbox-post encrypt)",
	}
	if got := joined(ie.Problems); got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	// Without RequireKey, a missing key is fine; an empty value is not.
	_, _, err = ResolveParams(study, flagList("option", "file", "path", "post/plot.png", "dest", ""), ResolveOptions{})
	if !errors.As(err, &ie) || !strings.HasPrefix(joined(ie.Problems), "--dest: param dest is empty") || len(ie.Problems) != 1 {
		t.Errorf("err = %v", err)
	}
}

func TestResolveParamsSkipNeedsNothingElse(t *testing.T) {
	e, _, err := ResolveParams(standardStudy(t), flagList("option", "No"), ResolveOptions{RequireKey: true})
	if err != nil || e.Option != Skip {
		t.Fatalf("option No: %+v, %v", e, err)
	}
}

func TestResolveParamsOutsideStudy(t *testing.T) {
	study := standardStudy(t)
	f := flagList("option", "folder", "path", "..", "dest", "/x")
	if _, _, err := ResolveParams(study, f, ResolveOptions{}); err == nil || !strings.Contains(err.Error(), "--path: path \"..\"") {
		t.Errorf("outside the study: %v", err)
	}
	if _, _, err := ResolveParams(study, f, ResolveOptions{AllowOutsideStudy: true}); err != nil {
		t.Errorf("allowed outside the study: %v", err)
	}
}

func TestResolveParamsWarnsPerFlag(t *testing.T) {
	_, warns, err := ResolveParams(standardStudy(t), flagList("option", "file", "path", "post/plot.png", "dest", "/x", "channel", "general"), ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := joined(warns); !strings.HasPrefix(got, "--channel: param channel belongs to librec-auto's Slack script") || strings.Count(got, "\n") != 0 {
		t.Errorf("warnings:\n%s", got)
	}
}

// joined returns the problems' texts, one a line.
func joined(ps []Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}
