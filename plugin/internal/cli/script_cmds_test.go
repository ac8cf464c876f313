package cli

import (
	"os"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCommands returns the extra commands the CLI scenarios may use.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"deadport": scriptDeadPortCmd,
		"emu":      scriptEmuCmd,
		"emulator": scriptEmulatorCmd,
		"exitcode": cmdExitcode,
		"hostile":  scriptHostileCmd,
		"manifest": cmdManifest,
		"mtime":    cmdMtime,
		"runlogs":  cmdRunLogs,
		"zeros":    cmdZeros,
	}
}

// cmdZeros is "zeros BYTES FILE": it makes FILE hold BYTES zero bytes (a
// sparse file), for scenarios about sizes too large to spell out.
func cmdZeros(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: zeros BYTES file")
	}
	n, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Check(f.Truncate(n))
	ts.Check(f.Close())
}

// cmdMtime is "mtime TIME FILE…": it sets the files' modification time to
// TIME (RFC 3339), so that scenarios about which side changed do not
// depend on the clock.
func cmdMtime(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mtime 2020-01-02T03:04:05Z file...")
	}
	t, err := time.Parse(time.RFC3339, args[0])
	ts.Check(err)
	for _, f := range args[1:] {
		ts.Check(os.Chtimes(ts.MkAbs(f), t, t))
	}
}
