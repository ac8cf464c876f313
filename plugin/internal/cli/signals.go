package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// withSignals runs main with a context that the first SIGINT or SIGTERM
// cancels: the work stops sending, and the summary is printed. A second
// one ends the process at once with exit code 130, whatever it waits on (a
// FIFO, a stuck request, a prompt), after calling restore.
func withSignals(stderr io.Writer, restore func(), main func(context.Context) int) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, stop := onSignals(context.Background(), sigs, stderr, func(code int) {
		restore()
		os.Exit(code)
	})
	defer stop()
	return main(ctx)
}

// onSignals returns a context cancelled at the first value on sigs; at the
// second, it calls quit(130). It says so on notice each time. stop ends
// the watch.
func onSignals(parent context.Context, sigs <-chan os.Signal, notice io.Writer, quit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(notice, "dropbox-post: interrupted: stopping (press Ctrl-C again to quit at once)")
		cancel()
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(notice, "dropbox-post: interrupted again: quitting now; what Dropbox confirmed is there, run the same command again to finish")
		quit(int(exit.Interrupted))
	}()
	return ctx, func() {
		close(done)
		cancel()
	}
}
