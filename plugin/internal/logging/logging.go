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

// MinSecret is the length from which a value is registered with a
// Redactor: Dropbox's app keys and secrets have 15 characters, its tokens
// and authorization codes far more. Shorter values are no tokens, and
// searching text for them would change ordinary words.
const MinSecret = 12

// Redactor replaces secrets with "<redacted>" in what passes through it: a
// last line of defence for tokens that reach a message by mistake.
// Passwords are not its job: they are held as secret.Password, which never
// prints, because a password may be any common word ("password", "key",
// "dropbox"), and replacing a word in the program's own messages would
// garble them and show where the password is.
//
// A secret is replaced only as a whole value: where neither the character
// before nor the one after is a letter, a digit, '_' or '-', so that it is
// never found inside a longer word or token. The zero value is ready to use
// and safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets [][]byte // longest first, so that a secret containing another is replaced whole
}

// Add registers secrets. Values shorter than MinSecret are not registered.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < MinSecret {
			continue
		}
		r.secrets = append(r.secrets, []byte(s))
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Redact returns p with every registered secret replaced where it stands
// as a whole value.
func (r *Redactor) Redact(p []byte) []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.secrets {
		p = replaceWhole(p, s)
	}
	return p
}

// replaceWhole replaces s in p where it is not part of a longer word.
func replaceWhole(p, s []byte) []byte {
	var out []byte
	done := 0 // p[:done] is in out (or out is nil: nothing replaced yet)
	for from := 0; ; {
		i := bytes.Index(p[from:], s)
		if i < 0 {
			break
		}
		i += from
		end := i + len(s)
		if (i == 0 || !wordByte(p[i-1])) && (end == len(p) || !wordByte(p[end])) {
			out = append(append(out, p[done:i]...), "<redacted>"...)
			done, from = end, end
			continue
		}
		from = i + 1
	}
	if out == nil {
		return p
	}
	return append(out, p[done:]...)
}

func wordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
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
