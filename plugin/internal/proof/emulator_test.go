package proof

import (
	"testing"

	"github.com/librec-auto/dropbox-post/internal/emulator"
	"github.com/librec-auto/dropbox-post/plugin/internal/emutest"
)

// token is the access token the emulators of these tests accept.
const token = "proof-token"

// startEmulator starts an emulator in the test process and returns it with
// its base URL; it is closed when the test ends.
func startEmulator(t testing.TB, o emulator.Options) (*emulator.Server, string) {
	t.Helper()
	o.Tokens = append(o.Tokens, token)
	srv := emutest.Serve(t, o)
	return srv, srv.URL()
}
