package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/local"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/transfer"
)

// runCommands returns run (a study's Dropbox post-processing) and the
// hidden command behind librec-auto's calling convention.
func runCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{runCmd(env), librecAutoCmd(env)}
}

func runCmd(env *Env) *cobra.Command {
	var target, config string
	var allowOutside bool
	var df dropboxFlags
	var tf transferFlags
	cmd := &cobra.Command{
		Use:   "run [-t STUDY] [-k PASSWORD] [--config FILE] [--dry-run]",
		Short: "Post a study's results: every Dropbox element of its config, as librec-auto would",
		Long: `run reads the study's config (STUDY/conf/config.xml), checks every Dropbox
<script> element of its <post> section, and posts them in document order:
option=file puts the file at DEST/<name>, option=folder puts the folder's
contents directly under DEST, option=No is skipped. Only what changed is sent.

One password opens every element's key file, as with librec-auto's -k: it
comes from -k, --password or --password-file, else from a password written in
the config, else from DROPBOX_POST_PASSWORD, else from a prompt on a terminal.
Without a terminal run stops at once (exit 6) and sends nothing. An element
without encrypted_key uses --encrypted_key, or DROPBOX_ACCESS_TOKEN, or
DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN.

--dry-run prints, for each element, the command librec-auto would run and
what would be sent where; without a password it lists the local files only.`,
		Example: `  dropbox-post run -t studies/movielens-demo -k "$PW"
  dropbox-post run --dry-run --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := tf.check()
			if err != nil {
				return err
			}
			if _, err := df.endpoint(env); err != nil {
				return err
			}
			study := target
			if study == "" {
				study = "."
			}
			file := config
			if file == "" {
				file = configschema.StudyConfig(study, "config.xml")
			}
			opts := configschema.ResolveOptions{AllowOutsideStudy: allowOutside, RequireKey: df.keyFile == "" && !envCredential(env)}
			c, err := configschema.Load(file)
			var elems []configschema.Element
			var warns []configschema.Problem
			if err == nil {
				elems, warns, err = c.Resolve(study, opts)
			}
			if err := checked(env, warns, err); err != nil {
				return err
			}
			p := &poster{env: env, df: &df, tf: &tf, mode: mode, study: study, config: file, elems: elems, whole: true}
			return p.post(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&target, "target", "t", "", "the study `DIR` (librec-auto's -t; default: the current directory)")
	f.StringVar(&config, "config", "", "the config `FILE` (default: STUDY/conf/config.xml)")
	f.BoolVar(&allowOutside, "allow-outside-study", false, "let the config post and read files outside the study directory")
	df.register(f)
	f.Lookup("encrypted_key").Usage = "key `FILE` for the elements that name none (else DROPBOX_ACCESS_TOKEN, or DROPBOX_APP_KEY and DROPBOX_REFRESH_TOKEN)"
	tf.register(f)
	return cmd
}

// checked logs the config's warnings and turns an invalid config into exit
// code 3, with every problem on a line of its own.
func checked(env *Env, warns []configschema.Problem, err error) error {
	for _, w := range warns {
		env.Log.Warn(w.String())
	}
	var inv *configschema.InvalidError
	if errors.As(err, &inv) {
		return exit.Wrap(exit.Config, err, inv.Error(), "")
	}
	return err
}

// envCredential reports whether the environment holds a whole credential.
func envCredential(env *Env) bool {
	_, err := credentialFromEnv(env)
	return err == nil
}

// poster posts checked Dropbox elements: it opens every key file before
// anything is sent, then pushes the elements in document order, going on
// after a failure unless interrupted, and reports on each and on the whole.
type poster struct {
	env    *Env
	df     *dropboxFlags
	tf     *transferFlags
	mode   plan.IfExists
	study  string // the study directory, as given
	config string // the config file, as given
	elems  []configschema.Element
	whole  bool // a whole study (run): a heading per element and an overall line
}

// outcome is what became of one element.
type outcome struct {
	elem      configschema.Element
	status    string // posted, planned, failed, skipped, not run
	command   string // dry run: the command librec-auto would run
	unchecked string // dry run: why Dropbox was not asked
	sum       *report.Summary
	err       error
}

// post opens the credentials, posts every element, and reports.
func (p *poster) post(ctx context.Context) error {
	clients, unchecked, err := p.open(ctx)
	if err != nil {
		return err
	}
	outs := make([]*outcome, len(p.elems))
	for i, e := range p.elems {
		o := &outcome{elem: e, status: "not run"}
		outs[i] = o
		if ctx.Err() != nil {
			continue
		}
		if p.tf.dryRun && e.Option != configschema.Skip {
			o.command = commandLine(p.config, e)
		}
		p.writeHeading(o)
		k := p.keyOf(e)
		p.pushOne(ctx, o, clients[k], unchecked[k])
	}
	return p.finish(ctx, outs)
}

// keyOf returns the key file of an element's credential, "" for the
// environment's.
func (p *poster) keyOf(e configschema.Element) string {
	if e.Key != "" {
		return e.Key
	}
	return p.df.keyFile
}

// open finds the credential of every element that is not skipped and makes
// a client for each, by keyOf. Every key file is checked before a password
// is asked for, and opened before anything is sent. In a dry run, a missing
// password or credential is no error: unchecked says why, by keyOf.
func (p *poster) open(ctx context.Context) (map[string]*dbx.Client, map[string]string, error) {
	var keys, names []string
	seen, useEnv := map[string]bool{}, false
	for _, e := range p.elems {
		k := p.keyOf(e)
		switch {
		case e.Option == configschema.Skip || seen[k]:
			continue
		case k == "":
			useEnv = true
		default:
			keys, names = append(keys, k), append(names, firstOf(e.KeyPath, k))
		}
		seen[k] = true
	}
	for _, k := range keys {
		if _, err := keyfile.InspectFile(k); err != nil {
			return nil, nil, err
		}
	}
	creds := map[string]credential.Credential{}
	unchecked := map[string]string{}
	if len(keys) > 0 {
		pw, err := p.password(ctx, names)
		switch {
		case err == nil:
			for _, k := range keys {
				c, info, err := keyfile.Load(k, pw)
				if err != nil {
					return nil, nil, err
				}
				p.env.Redactor.Add(c.Secrets()...)
				p.env.Log.Debug("opened key file", "file", k, "format", info.Format.String(), "credential", c.Kind().String())
				creds[k] = c
			}
		case p.tf.dryRun && exit.CodeOf(err) == exit.NoPassword:
			for _, k := range keys {
				unchecked[k] = "no password given"
			}
		default:
			return nil, nil, err
		}
	}
	if useEnv {
		c, err := credentialFromEnv(p.env)
		switch {
		case err == nil:
			p.env.Redactor.Add(c.Secrets()...)
			creds[""] = c
		case p.tf.dryRun:
			unchecked[""] = "no Dropbox credential"
		default:
			return nil, nil, err
		}
	}
	for _, why := range unchecked {
		p.env.Log.Warn("dry run: Dropbox not checked (" + why + "); the plan lists the local files only")
		break
	}
	clients := map[string]*dbx.Client{}
	for k, c := range creds {
		client, err := p.df.client(p.env, c)
		if err != nil {
			return nil, nil, err
		}
		clients[k] = client
	}
	return clients, unchecked, nil
}

// password finds the one password of every key file (named in names):
// -k, --password or --password-file, else a password written in the config,
// else DROPBOX_POST_PASSWORD or a prompt.
func (p *poster) password(ctx context.Context, names []string) (string, error) {
	pw := &p.df.pw
	given := pw.flags != nil && (pw.flags.Changed("key_password") || pw.flags.Changed("password") || pw.flags.Changed("password-file"))
	if !given {
		for _, e := range p.elems {
			if e.Option != configschema.Skip && e.Password == configschema.PasswordInline {
				s := e.ConfigPassword.Reveal()
				p.env.Redactor.Add(s)
				p.env.Log.Debug("password found", "from", fmt.Sprintf("the config (line %d)", e.Line))
				return s, nil
			}
		}
	}
	what := "key file " + names[0]
	if len(names) > 1 {
		what = "key files " + strings.Join(names, ", ")
	}
	return pw.resolve(ctx, p.env, what, false)
}

// pushOne posts one element, or in a dry run plans it, with client, or
// without one (unchecked says why) from the local files alone. In text
// output its summary is printed at once; JSON output waits for the whole run.
func (p *poster) pushOne(ctx context.Context, o *outcome, client *dbx.Client, unchecked string) {
	e := o.elem
	if e.Option == configschema.Skip {
		o.status = "skipped"
		return
	}
	if client != nil {
		study, _ := filepath.Abs(p.study)
		o.sum, o.err = push.Run(ctx, client, push.Options{
			Local: e.Local, Dest: e.Dest, Mode: p.mode, DryRun: p.tf.dryRun,
			Transfer:    transfer.Options{Parallel: p.tf.parallel},
			ManifestDir: p.tf.manifests(p.study),
			Study:       study,
			Element:     e.Index,
			Tool:        "dropbox-post " + Version,
			Progress:    p.tf.progress(p.env),
			Log:         p.env.Log.With("element", e.Index),
		})
	} else {
		o.unchecked = unchecked
		o.sum, o.err = localPlan(e, p.mode, unchecked)
	}
	var sums []*report.Summary
	if o.sum != nil {
		o.sum.Local = e.Path
		sums = append(sums, o.sum)
	}
	out := p.env
	if p.tf.output == "json" {
		quiet := *p.env
		quiet.Stdout = io.Discard
		out = &quiet
	}
	o.err = finishPush(out, p.tf, sums, o.err)
	switch {
	case o.err != nil:
		o.status = "failed"
		if p.whole && p.tf.output == "text" && p.active() > 1 {
			fmt.Fprintf(p.env.Stdout, "  failed: %s\n", p.env.Redactor.Redact([]byte(o.err.Error())))
		}
	case p.tf.dryRun:
		o.status = "planned"
	default:
		o.status = "posted"
	}
}

// active counts the elements that are not skipped.
func (p *poster) active() int {
	n := 0
	for _, e := range p.elems {
		if e.Option != configschema.Skip {
			n++
		}
	}
	return n
}

// localPlan is a dry run's plan when Dropbox cannot be asked: every local
// file would be uploaded, as far as can be told here.
func localPlan(e configschema.Element, mode plan.IfExists, why string) (*report.Summary, error) {
	tree, err := local.Scan(e.Local)
	if err != nil {
		return nil, exit.Wrap(exit.Local, err, fmt.Sprintf("cannot read %s: %v", e.Path, err), "check the permissions")
	}
	sum := &report.Summary{Local: e.Path, Dest: e.Dest, DryRun: true}
	for _, it := range plan.Make(tree, e.Dest, nil, mode).Items {
		sum.Uploaded++
		sum.Bytes += it.File.Size
		sum.Planned = append(sum.Planned, report.File{Local: it.File.Rel, Dropbox: it.Dest, Size: it.File.Size,
			Status: "would upload", Reason: "Dropbox not checked: " + why})
	}
	for _, n := range tree.Skipped {
		sum.LeftOut = append(sum.LeftOut, report.Note{Local: n.Rel, Reason: n.Reason})
	}
	for _, n := range tree.Invalid {
		sum.Failed++
		sum.Planned = append(sum.Planned, report.File{Local: n.Rel, Status: "conflict", Reason: n.Reason})
	}
	return sum, nil
}

// commandLine is how librec-auto runs element e: the script, the config's
// bare file name, a --NAME=VALUE for each param, and the password hidden.
func commandLine(config string, e configschema.Element) string {
	args := []string{shellQuote(e.ScriptName), shellQuote(filepath.Base(config))}
	param := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name+"="+shellQuote(value))
		}
	}
	param("option", e.Option.String())
	param("encrypted_key", e.KeyPath)
	param("path", e.Path)
	param("dest", firstOf(e.Dest, "/"))
	if e.Share {
		param("share", "true")
	}
	if e.Password != configschema.PasswordAbsent {
		args = append(args, "--password="+configschema.Secret("").String())
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// firstOf returns the first of its arguments that is not empty.
func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// writeHeading prints, in text output, which element comes (for a whole
// study) and, in a dry run, the command librec-auto would run for it.
func (p *poster) writeHeading(o *outcome) {
	if p.tf.output != "text" {
		return
	}
	w := p.env.Stdout
	switch {
	case p.whole:
		fmt.Fprintln(w, o.elem.String())
	case o.elem.Option == configschema.Skip:
		fmt.Fprintln(w, "skipped: --option=No")
	}
	if o.command != "" {
		fmt.Fprintf(w, "  librec-auto would run: %s\n", o.command)
	}
}

// runTotals adds up a run.
type runTotals struct {
	Elements    int   `json:"elements"`
	Posted      int   `json:"posted"` // planned, in a dry run
	Skipped     int   `json:"skipped"`
	Failed      int   `json:"failed"`
	NotRun      int   `json:"not_run,omitempty"`
	Uploaded    int   `json:"uploaded"` // would be, in a dry run
	Unchanged   int   `json:"unchanged"`
	FilesFailed int   `json:"files_failed"`
	Bytes       int64 `json:"bytes"`
}

// runReport is the JSON document of a run (--output json).
type runReport struct {
	Study    string          `json:"study"`
	Config   string          `json:"config"`
	DryRun   bool            `json:"dry_run,omitempty"`
	Elements []elementReport `json:"elements"`
	Totals   runTotals       `json:"totals"`
}

type elementReport struct {
	Index      int             `json:"index"`
	Line       int             `json:"line,omitempty"`
	Option     string          `json:"option"`
	Path       string          `json:"path,omitempty"`
	Dest       string          `json:"dest,omitempty"`
	Target     string          `json:"target,omitempty"`
	Key        string          `json:"encrypted_key,omitempty"`
	Status     string          `json:"status"`
	Command    string          `json:"command,omitempty"`
	NotChecked string          `json:"dropbox_not_checked,omitempty"`
	Error      string          `json:"error,omitempty"`
	Summary    *report.Summary `json:"summary,omitempty"`
}

// finish reports the whole run and returns its error: an interruption, the
// error of the one element posted, or how many elements failed.
func (p *poster) finish(ctx context.Context, outs []*outcome) error {
	t := runTotals{Elements: len(outs)}
	doc := runReport{Study: p.study, Config: p.config, DryRun: p.tf.dryRun}
	var failed []*outcome
	for _, o := range outs {
		switch o.status {
		case "skipped":
			t.Skipped++
		case "failed":
			t.Failed++
			failed = append(failed, o)
		case "not run":
			t.NotRun++
		default:
			t.Posted++
		}
		if s := o.sum; s != nil {
			t.Uploaded, t.Unchanged, t.FilesFailed, t.Bytes = t.Uploaded+s.Uploaded, t.Unchanged+s.Unchanged, t.FilesFailed+s.Failed, t.Bytes+s.Bytes
		}
		e := o.elem
		r := elementReport{Index: e.Index, Line: e.Line, Option: e.Option.String(), Path: e.Path, Key: e.KeyPath,
			Status: o.status, Command: o.command, NotChecked: o.unchecked, Summary: o.sum}
		if e.Option != configschema.Skip {
			r.Dest, r.Target = firstOf(e.Dest, "/"), firstOf(e.Target, "/")
		}
		if o.err != nil {
			r.Error = string(p.env.Redactor.Redact([]byte(o.err.Error())))
		}
		doc.Elements = append(doc.Elements, r)
	}
	doc.Totals = t
	switch {
	case p.tf.output == "json":
		report.WriteJSON(p.env.Stdout, doc)
	case p.whole && p.tf.dryRun:
		fmt.Fprintf(p.env.Stdout, "dry run: %d of %d elements planned (%d skipped, %d failed): would upload %d (%s), %d unchanged; nothing was sent\n",
			t.Posted, t.Elements, t.Skipped, t.Failed, t.Uploaded, report.Bytes(t.Bytes), t.Unchanged)
	case p.whole:
		fmt.Fprintf(p.env.Stdout, "run: %d of %d elements posted (%d skipped, %d failed): %d uploaded (%s), %d unchanged, %d failed\n",
			t.Posted, t.Elements, t.Skipped, t.Failed, t.Uploaded, report.Bytes(t.Bytes), t.Unchanged, t.FilesFailed)
	}

	if ctx.Err() != nil {
		for _, o := range failed {
			if exit.CodeOf(o.err) == exit.Interrupted {
				return o.err
			}
		}
		return exit.Wrap(exit.Interrupted, ctx.Err(), "interrupted", "run the same command again to finish; only what is missing is sent")
	}
	switch {
	case len(failed) == 0:
		return nil
	case p.active() == 1:
		return failed[0].err
	}
	var which []string
	for _, o := range failed {
		which = append(which, fmt.Sprintf("%d (line %d)", o.elem.Index, o.elem.Line))
	}
	return exit.Wrap(exit.CodeOf(failed[0].err), failed[0].err,
		fmt.Sprintf("%d of %d elements failed: element %s", len(failed), p.active(), strings.Join(which, ", ")),
		"see the report above for why; run again to retry them (only what is missing is sent)")
}
