package cli

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/remote"
	"github.com/librec-auto/dropbox-post/plugin/internal/report"
)

func lsCmd(env *Env) *cobra.Command {
	var df dropboxFlags
	var long, recursive bool
	var output string
	cmd := &cobra.Command{
		Use:   "ls [--encrypted-key FILE] [-k PASSWORD] [-l] [-R] [DEST]",
		Short: "List what is on Dropbox: a folder's files and folders, or one file",
		Long: `ls lists what Dropbox holds at DEST (default: the root, "/"): the files and
folders in a folder, or a file alone. It changes nothing, and takes its
credential as the other commands do (--encrypted-key with -k, or the
environment's DROPBOX_* variables).

Each name is quoted, as everything from outside is, relative to DEST; a
folder's name ends with "/". --long adds each file's size in bytes, when
Dropbox stored it (server_modified, UTC) and its content hash (compare it
with 'dropbox-post hash FILE'); --recursive lists everything below DEST.
--output json prints all of it, and each entry's full Dropbox path.

Exit codes: 0 listed; 2 DEST is not on Dropbox (or bad arguments); 7 the
credential was refused; 8 Dropbox failed; 11 the server answered what
Dropbox never does; 12 Dropbox could not be reached (--network-timeout).`,
		Example: `  dropbox-post ls --encrypted-key keys/dropbox.enc -k "$PW" /studies/demo
  DROPBOX_APP_KEY=… DROPBOX_REFRESH_TOKEN=… dropbox-post ls -lR /studies/demo/exp00000
  dropbox-post ls --output json /studies/demo`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			dest := ""
			if len(args) == 1 {
				var err error
				if dest, err = dpath.Clean(args[0]); err != nil {
					return exit.New(exit.Usage, fmt.Sprintf("DEST %v", err), "")
				}
			}
			c, _, err := connect(cmd, env, &df)
			if err != nil {
				return err
			}
			if dest != "" {
				env.prog.Phase(fmt.Sprintf("looking up %s on Dropbox", dpath.Quote(dest)), progress.None, 0)
			}
			held, err := remote.Look(cmd.Context(), c.Files, dest, remote.LookOptions{
				Recursive: recursive,
				Listing:   func() { env.prog.Phase("listing Dropbox "+dpath.Quote(dest), progress.Entries, 0) },
				Seen:      func(n int) { env.prog.Add(int64(n)) },
			})
			env.endProgress()
			if err != nil {
				return err
			}
			entries := held.Sorted()
			if output == "json" {
				return report.WriteJSON(env.Stdout, lsJSON(dest, held, recursive, entries))
			}
			writeListing(env.Stdout, entries, long)
			return nil
		},
	}
	df.register(cmd.Flags())
	cmd.Flags().BoolVarP(&long, "long", "l", false, "also show each file's size in bytes, server modified time (UTC) and content hash")
	cmd.Flags().BoolVarP(&recursive, "recursive", "R", false, "list everything below DEST, not only its own entries")
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json (json has every detail)")
	return cmd
}

// writeListing writes one line per entry: its name quoted, a folder's
// ending in "/"; long puts size, server time and content hash before it.
func writeListing(w io.Writer, entries []remote.Named, long bool) {
	width := 1
	for _, e := range entries {
		width = max(width, len(strconv.FormatInt(e.Size, 10)))
	}
	for _, e := range entries {
		name := e.Rel
		if e.Folder {
			name += "/"
		}
		if !long {
			fmt.Fprintf(w, "%q\n", name)
			continue
		}
		size, when, hash := "-", "-", "-"
		if !e.Folder {
			size = strconv.FormatInt(e.Size, 10)
			if !e.Server.IsZero() {
				when = e.Server.Time().Format(time.RFC3339)
			}
			if e.Hash != "" {
				hash = e.Hash
			}
		}
		fmt.Fprintf(w, "%*s  %-20s  %-64s  %q\n", width, size, when, hash, name)
	}
}

// lsListing is ls --output json.
type lsListing struct {
	Dest      string    `json:"dest"`      // as given, "/" for the root
	Folder    bool      `json:"folder"`    // DEST is a folder (else a file, listed alone)
	Recursive bool      `json:"recursive"` // everything below DEST is listed
	Entries   []lsEntry `json:"entries"`
}

type lsEntry struct {
	Path           string     `json:"path"`    // below DEST's folder, "/"-separated
	Dropbox        string     `json:"dropbox"` // the Dropbox path
	Folder         bool       `json:"folder"`
	Size           *int64     `json:"size,omitempty"` // files only
	ServerModified *time.Time `json:"server_modified,omitempty"`
	ClientModified *time.Time `json:"client_modified,omitempty"`
	Hash           string     `json:"content_hash,omitempty"`
	Rev            string     `json:"rev,omitempty"`
}

func lsJSON(dest string, held *remote.Held, recursive bool, entries []remote.Named) lsListing {
	out := lsListing{Dest: "/" + dest[min(1, len(dest)):], Folder: held.Folder, Recursive: recursive, Entries: make([]lsEntry, 0, len(entries))}
	for _, e := range entries {
		j := lsEntry{Path: e.Rel, Dropbox: e.Path, Folder: e.Folder,
			ServerModified: timeOrNil(e.Server.Time()), ClientModified: timeOrNil(e.Modified.Time()), Hash: e.Hash, Rev: e.Rev}
		if !e.Folder {
			j.Size = &e.Size
		}
		out.Entries = append(out.Entries, j)
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
