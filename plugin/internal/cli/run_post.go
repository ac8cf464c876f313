package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/plan"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

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
	// password is where the key files' password may come from; the
	// config's own password is added from elems.
	password secret.Request
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
			keys, names = append(keys, k), append(names, cmp.Or(e.KeyPath, k))
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
		load := func(pw secret.Password) error {
			for _, k := range keys {
				p.env.prog.Phase(fmt.Sprintf("opening key file %q", k), progress.None, 0)
				c, info, err := keyfile.Load(k, pw.Reveal())
				if err != nil {
					return err
				}
				p.env.Redactor.Add(c.Secrets()...)
				p.env.Log.Debug("opened key file", "file", k, "format", info.Format.String(), "credential", c.Kind().String())
				creds[k] = c
			}
			return nil
		}
		err := p.withPassword(ctx, names, load)
		switch {
		case err == nil:
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
	if err := p.checkScopes(ctx, creds, clients); err != nil {
		return nil, nil, err
	}
	return clients, unchecked, nil
}

// withPassword finds the one password of every key file (named in names)
// and calls load with it (secret.Open): -k, --password or --password-file,
// else DROPBOX_POST_PASSWORD, else a password written in the config (warned
// about), else a prompt on the terminal, asked again when the typed one is
// wrong.
func (p *poster) withPassword(ctx context.Context, names []string, load func(secret.Password) error) error {
	r := p.password
	for _, e := range p.elems {
		if e.Option != configschema.Skip && e.Password == configschema.PasswordInline {
			r.Config = secret.Give(e.ConfigPassword.Reveal())
			r.ConfigAt = fmt.Sprintf("%q, element %d (line %d)", p.config, e.Index, e.Line)
			break
		}
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	r.For = "key file " + quoted[0]
	if len(names) > 1 {
		r.For = "key files " + strings.Join(quoted, ", ")
	}
	return secret.Open(ctx, r, load)
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
	study, _ := filepath.Abs(p.study)
	opts := p.tf.options(p.env, p.mode, e.Local, e.Dest, p.study)
	opts.Study, opts.Element, opts.Name, opts.Log = study, e.Index, e.Name, p.env.Log.With("element", e.Index)
	opts.Share = opts.Share || e.Share
	f, err := p.tf.filters.filter(e.Filter)
	if err != nil {
		o.status, o.err = "failed", err
		return
	}
	opts.Filter = f
	if client != nil {
		opts.Transfer.Resume = p.tf.resumeStore(p.env, study)
	}
	if client == nil { // a dry run without a credential
		o.unchecked, opts.Offline = unchecked, unchecked
	}
	o.sum, o.err = push.Run(ctx, client, opts)
	var sums []*report.Summary
	if o.sum != nil {
		o.sum.Local = e.Path
		p.env.leftOut += len(o.sum.LeftOut)
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
	case o.err != nil && push.Unrecorded(o.err):
		o.status = "posted" // but not recorded: finish reports o.err
		if p.whole && p.tf.output == "text" && p.active() > 1 {
			fmt.Fprintf(p.env.Stdout, "  not recorded: %s\n", o.err)
		}
	case o.err != nil && exit.CodeOf(o.err) == exit.Interrupted:
		o.status = "interrupted"
	case o.err != nil:
		o.status = "failed"
		if p.whole && p.tf.output == "text" && p.active() > 1 && !p.env.logOpts.Quiet {
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
	param("dest", cmp.Or(e.Dest, "/"))
	if e.Share {
		param("share", "true")
	}
	for _, x := range e.Filter.Exclude {
		param("exclude", x)
	}
	for _, x := range e.Filter.Include {
		param("include", x)
	}
	if e.Filter.MaxSize > 0 {
		param("max_size", fmt.Sprint(e.Filter.MaxSize))
	}
	if e.Password != configschema.PasswordAbsent {
		args = append(args, "--password="+configschema.Secret("").String())
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it: in single quotes,
// or, when s holds a character that cannot be shown (a control character,
// an invisible one), in bash's $'…' with Go's escapes, so that the command
// line neither acts on a terminal nor hides what it runs.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	if strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) >= 0 || !utf8.ValidString(s) {
		q := strconv.QuoteToASCII(s)
		return "$'" + strings.ReplaceAll(q[1:len(q)-1], "'", `\'`) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
