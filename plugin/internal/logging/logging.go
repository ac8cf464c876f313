// Package logging sets up the program's hclog logger: human-readable by
// default, JSON with --log-format json, more with --verbose, less with
// --quiet. Every line passes through a redactor that replaces registered
// secrets, so that a secret that reaches a log by mistake is not written.
package logging

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// Options says how to log.
type Options struct {
	Format  string // "text" (default) or "json"
	Verbose bool   // debug lines too
	Quiet   bool   // errors only
}

// Level returns the hclog level the options ask for.
func (o Options) Level() hclog.Level {
	switch {
	case o.Quiet:
		return hclog.Error
	case o.Verbose:
		return hclog.Debug
	default:
		return hclog.Info
	}
}

// Validate reports an unknown format.
func (o Options) Validate() error {
	switch o.Format {
	case "", "text", "json":
		return nil
	}
	return fmt.Errorf("unknown --log-format %q: use text or json", o.Format)
}

// New returns a logger that writes to w through r.
func New(w io.Writer, r *Redactor, o Options) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:            "dropbox-post",
		Level:           o.Level(),
		Output:          r.Writer(w),
		JSONFormat:      o.Format == "json",
		DisableTime:     o.Format != "json",
		Color:           hclog.ColorOff,
		IncludeLocation: false,
	})
}

// Redactor replaces secrets with "<redacted>" in what passes through it.
// The zero value is ready to use and safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets [][]byte // longest first, so that a secret containing another is replaced whole
}

// Add registers secrets. Strings shorter than 6 bytes are not registered:
// replacing them would mangle ordinary text, and they are not tokens.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		r.secrets = append(r.secrets, []byte(s))
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Redact returns p with every registered secret replaced.
func (r *Redactor) Redact(p []byte) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.secrets {
		if bytes.Contains(p, s) {
			p = bytes.ReplaceAll(p, s, []byte("<redacted>"))
		}
	}
	return p
}

// Writer returns a writer that redacts each Write before passing it on.
// hclog writes one whole line per call, so a secret is never split.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		if _, err := w.Write(r.Redact(p)); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
