package secret

import (
	"fmt"
	"io"
)

// Redacted is how a Password prints.
const Redacted = "<redacted>"

// Password holds a password so that no message can show it: fmt (every
// verb, %v of a struct holding it included), JSON, text marshalling and
// hclog all print "<redacted>". Only Reveal gives it, for the key
// derivation. Passwords are short, common words as often as not, so they
// are protected this way rather than by a redactor searching the text.
type Password struct{ v string }

// NewPassword holds s.
func NewPassword(s string) Password { return Password{v: s} }

// Reveal returns the password itself: only for deriving a key.
func (p Password) Reveal() string { return p.v }

// String returns "<redacted>".
func (Password) String() string { return Redacted }

// GoString returns "<redacted>".
func (Password) GoString() string { return Redacted }

// Format prints "<redacted>" whatever the verb.
func (Password) Format(f fmt.State, _ rune) { io.WriteString(f, Redacted) }

// MarshalText returns "<redacted>".
func (Password) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalJSON returns "<redacted>" as a JSON string.
func (Password) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
