// Package study is the run use case: it posts a study's checked Dropbox
// elements (from its config, or from librec-auto's call of one element).
// It opens every key file before anything is sent, with one password, then
// pushes the elements in document order, going on after a failure unless
// interrupted, and adds up what became of each. The command line (flags,
// what is printed) is package cli's; the work of one element is push's.
package study

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/librec-auto/dropbox-post/configschema"
	"github.com/librec-auto/dropbox-post/internal/filter"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/dbx"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/logging"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/push"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
	"github.com/librec-auto/dropbox-post/plugin/internal/resume"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// Options say how a study's elements are posted.
type Options struct {
	Study  string // the study directory, as given
	Config string // the config file, as given

	// Password is where the key files' one password may come from; the
	// password an element writes in the config is added by Post.
	Password secret.Request
	// KeyFile is the key file of the elements that name none; "": the
	// environment's credential, from EnvCredential.
	KeyFile       string
	EnvCredential func() (credential.Credential, error)
	// Client makes a Dropbox client for a credential.
	Client func(credential.Credential) (*dbx.Client, error)

	// Push is what every element's push shares (Mode, DryRun, Verify,
	// Share, Transfer, ManifestDir, Tool); Post sets the rest per element.
	Push push.Options
	// Filter is the person's choice of what to leave out; an element's own
	// exclude, include and max_size narrow it.
	Filter filter.Spec
	// Resume opens where the large uploads of an element with a client are
	// written down; nil, or a nil store, makes them start over when killed.
	Resume func() *resume.Store

	Progress *progress.Meter
	Log      hclog.Logger
	Redactor *logging.Redactor // every credential's secrets are added to it

	// Pushing hears of each element Post reaches, before it is pushed (a
	// skipped one too); Pushed of each pushed one, with its summary and
	// status. Either may be nil.
	Pushing func(*Outcome)
	Pushed  func(*Outcome)
}

// The statuses of an element.
const (
	Posted      = "posted"
	Planned     = "planned" // posted, in a dry run
	Failed      = "failed"
	Skipped     = "skipped"
	NotRun      = "not run"
	Interrupted = "interrupted"
)

// Outcome is what became of one element.
type Outcome struct {
	Element configschema.Element
	Status  string
	// Unchecked says, in a dry run without a password or a credential,
	// why Dropbox was not asked.
	Unchecked string
	Summary   *report.Summary
	// Err is why the element failed; with Status Posted, the push was done
	// but its manifest was not written (push.Unrecorded).
	Err error
}

// Result is what became of every element, and the totals.
type Result struct {
	Outcomes []*Outcome
	Totals   Totals
}

// Post opens the credentials of elems and posts each element. Its error is
// an interruption, the error of the one element posted, or how many failed;
// an error before anything is sent comes with no Result. When Dropbox
// could not be reached for an element (exit 12), the network has been
// given up on once: the elements after it are not run.
func Post(ctx context.Context, elems []configschema.Element, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	if o.Redactor == nil {
		o.Redactor = &logging.Redactor{}
	}
	p := &poster{o: o, elems: elems}
	clients, unchecked, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	outs := make([]*Outcome, len(elems))
	down := false // Dropbox could not be reached: the elements after are not run
	for i, e := range elems {
		out := &Outcome{Element: e, Status: NotRun}
		outs[i] = out
		if ctx.Err() != nil || down && e.Option != configschema.Skip {
			continue
		}
		if o.Pushing != nil {
			o.Pushing(out)
		}
		k := p.keyOf(e)
		p.pushOne(ctx, out, clients[k], unchecked[k])
		down = down || out.Status == Failed && exit.CodeOf(out.Err) == exit.Unreachable
	}
	res := &Result{Outcomes: outs, Totals: totals(outs)}
	return res, p.failure(ctx, outs)
}

// poster posts one study's elements.
type poster struct {
	o     Options
	elems []configschema.Element
}

// keyOf returns the key file of an element's credential, "" for the
// environment's.
func (p *poster) keyOf(e configschema.Element) string {
	if e.Key != "" {
		return e.Key
	}
	return p.o.KeyFile
}

// Active counts the elements that are not skipped.
func Active(elems []configschema.Element) int {
	n := 0
	for _, e := range elems {
		if e.Option != configschema.Skip {
			n++
		}
	}
	return n
}
