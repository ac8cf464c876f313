// Command dropbox-post posts librec-auto study results to Dropbox.
package main

import (
	"os"

	"github.com/librec-auto/dropbox-post/plugin/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.OSEnv(), os.Args[1:]))
}
