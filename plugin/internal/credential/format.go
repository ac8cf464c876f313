package credential

import (
	"fmt"
	"io"
)

// String returns the kind of credential with every value redacted, e.g.
// "access token <redacted>". It never shows a secret.
func (c Credential) String() string {
	switch c.Kind() {
	case AccessToken:
		return "access token <redacted>"
	case Refresh:
		if c.appSecret != "" {
			return "refresh token <redacted> (app key <redacted>, app secret <redacted>)"
		}
		return "refresh token <redacted> (app key <redacted>, no app secret)"
	}
	return "no credential"
}

// GoString is String, for %#v.
func (c Credential) GoString() string { return "credential.Credential{" + c.String() + "}" }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, %d, …) print the
// redacted form, so that no verb reaches the fields.
func (c Credential) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			io.WriteString(f, c.GoString())
			return
		}
		io.WriteString(f, c.String())
	case 'q':
		fmt.Fprintf(f, "%q", c.String())
	default:
		io.WriteString(f, c.String())
	}
}
