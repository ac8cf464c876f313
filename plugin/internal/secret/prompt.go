package secret

import (
	"context"
	"fmt"
	"io"

	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

// prompt asks for the password at the terminal, twice when r.Confirm.
func prompt(ctx context.Context, r Request) (string, error) {
	what := r.For
	if what == "" {
		what = "the key file"
	}
	pw, err := ask(ctx, r, fmt.Sprintf("Password for %s: ", what))
	if err != nil || !r.Confirm {
		return pw, err
	}
	if pw == "" {
		return "", exit.New(exit.Usage, "an empty password was typed",
			"type a password; to really use an empty one, pass -k ''")
	}
	again, err := ask(ctx, r, "Type the password again: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", exit.New(exit.Usage, "the two passwords typed differ", "run the command again and type the same password twice")
	}
	return pw, nil
}

// ask writes the prompt and reads one line without echo. The read goes on
// in the background so that a cancelled ctx (Ctrl-C) is answered at once.
func ask(ctx context.Context, r Request, text string) (string, error) {
	out := r.Terminal.Prompt
	if out == nil {
		out = io.Discard
	}
	fmt.Fprint(out, text)
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := r.Terminal.ReadPassword()
		done <- result{b, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out)
		return "", exit.Wrap(exit.Interrupted, ctx.Err(), "interrupted while waiting for the password", "")
	case res := <-done:
		fmt.Fprintln(out) // the user's Enter was not echoed
		if res.err != nil {
			return "", exit.Wrap(exit.NoPassword, res.err, "no password read from the terminal",
				"type the password and press Enter, or pass -k PASSWORD, --password-file FILE, or set "+EnvVar)
		}
		return string(res.b), nil
	}
}
