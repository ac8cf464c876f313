package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/internal/regularfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
)

func secretsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "secrets",
		Short:   "Hand a key file's credential to a dashboard (.env or Streamlit secrets)",
		Example: `  dropbox-post secrets export --encrypted-key keys/dropbox.enc -k "$PW" --format env > .env`,
	}
	export := secretsExportCmd(env)
	export.Args = wrapArgs(export.Args)
	cmd.AddCommand(export)
	return cmd
}

func secretsExportCmd(env *Env) *cobra.Command {
	var file, format, write string
	var pw passwordFlags
	cmd := &cobra.Command{
		Use:   "export --encrypted-key FILE [--format env|streamlit] [--write OUT]",
		Short: "Print a key file's credential as .env lines or a Streamlit secrets.toml section",
		Long: `export decrypts a key file and prints its credential in plain text for a
dashboard that reads the same Dropbox folder: as .env lines (--format env:
DROPBOX_APP_KEY, DROPBOX_APP_SECRET, DROPBOX_REFRESH_TOKEN, or
DROPBOX_ACCESS_TOKEN), or as a [dropbox] section of Streamlit's
.streamlit/secrets.toml (--format streamlit: app_key, app_secret,
refresh_token, or access_token), read there as st.secrets["dropbox"].
Every value is quoted: sourcing the .env lines (sh, bash) or reading them with
python-dotenv runs nothing and gives the value back exactly; a value that
cannot be written so (one holding "${", which python-dotenv expands whatever
the quotes, or a control character) is refused with exit 5 and nothing
printed.

With --write OUT, nothing is printed: the output goes into the file OUT in
place of what an earlier export put there (the [dropbox] table of a
secrets.toml, the DROPBOX_* lines of a .env), the rest of OUT kept as it was,
so that running it again gives the same file; OUT is written atomically with
mode 0600, and made when it does not exist.

With decrypt, it is the only command that prints a secret. Keep the output out
of version control. A refresh credential (made by 'dropbox-post auth') lasts;
an access token expires within hours.`,
		Example: `  dropbox-post secrets export --encrypted-key keys/dropbox.enc -k "$PW" --format streamlit --write .streamlit/secrets.toml
  dropbox-post secrets export --encrypted-key keys/dropbox.enc -k "$PW" --format env > .env`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required("encrypted-key", file); err != nil {
				return err
			}
			if format != "env" && format != "streamlit" {
				return exit.Usagef("use --format env or --format streamlit", "unknown --format %q", format)
			}
			c, _, err := openKeyFile(cmd.Context(), env, &pw, file)
			if err != nil {
				return err
			}
			out, err := c.EnvLines()
			if format == "streamlit" {
				out, err = c.StreamlitSecrets()
			}
			if err != nil {
				return unexportable(file, err)
			}
			if write != "" {
				err = writeSecrets(write, format, out)
			} else {
				_, err = env.Data.Write(out) // exact: the data asked for
			}
			if err != nil {
				return err
			}
			env.Log.Warn("the output holds the Dropbox credential in plain text: keep it out of version control")
			warnIfWrites(env, c)
			if c.Kind() == credential.AccessToken {
				env.Log.Warn("this is an access token: it expires within hours; 'dropbox-post auth' makes a refresh credential that lasts")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "encrypted_key", "", "key file to export (`FILE`)")
	cmd.Flags().StringVar(&format, "format", "env", "output format: env or streamlit")
	cmd.Flags().StringVar(&write, "write", "", "put the output into the file `OUT` (a .env or a secrets.toml) in place of an earlier export's, instead of printing it")
	pw.register(cmd.Flags())
	return cmd
}

// warnIfWrites warns (stderr) when c can change what is on Dropbox: a
// dashboard host should hold a credential that can read the study's
// results, not overwrite them. The scopes are those recorded in the key
// file by 'auth'; when none were, it says that they are unknown.
func warnIfWrites(env *Env, c credential.Credential) {
	const fix = "for a dashboard, make a read-only credential with 'dropbox-post auth --read-only' and export that"
	switch canWrite, known := c.CanWrite(); {
	case !known:
		env.Log.Warn("the scopes of this credential are not recorded in the key file, so it may be able to write to Dropbox; " + fix)
	case canWrite:
		env.Log.Warn(fmt.Sprintf("this credential can write to Dropbox (scopes %q): whoever holds the output can overwrite or delete the study's results; %s",
			strings.Join(c.Scopes(), " "), fix))
	default:
		env.Log.Info("read-only credential", "scopes", strings.Join(c.Scopes(), " "))
	}
}

// maxSecretsFile caps the file 'secrets export --write' reads: a .env or
// a secrets.toml is a few lines.
const maxSecretsFile = 1 << 20

// writeSecrets puts out (format env or streamlit) into the file path, in
// place of what an earlier export put there (credential.MergeEnv,
// credential.MergeStreamlit), atomically, with mode 0600.
func writeSecrets(path, format string, out []byte) error {
	old, err := readSecretsFile(path)
	if err != nil {
		return err
	}
	merged := credential.MergeEnv(old, out)
	if format == "streamlit" {
		merged = credential.MergeStreamlit(old, out)
	}
	return atomicfile.WriteFile(path, merged, 0o600, true)
}

// readSecretsFile returns the content of the file --write names, nothing
// when it does not exist yet. A symbolic link, a file that is not regular
// or one larger than maxSecretsFile is refused (exit 10), and nothing is
// written.
func readSecretsFile(path string) ([]byte, error) {
	refuse := func(why string) error {
		return exit.New(exit.Local, fmt.Sprintf("--write %q: %s", path, why), "give the .env or secrets.toml file itself (nothing was written)")
	}
	if fi, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, refuse("it is a symbolic link")
	}
	f, err := regularfile.Open(path)
	if err != nil {
		return nil, refuse(err.Error())
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretsFile+1))
	if err != nil {
		return nil, refuse(err.Error())
	}
	if len(data) > maxSecretsFile {
		return nil, refuse(fmt.Sprintf("it is larger than %d MiB", maxSecretsFile>>20))
	}
	return data, nil
}

// unexportable is the error for a key file whose credential holds a value
// that cannot be printed safely (see Credential.EnvLines): no Dropbox
// credential looks like that, so the key file is taken as damaged (5).
func unexportable(file string, err error) error {
	return exit.Wrap(exit.KeyFile, err, fmt.Sprintf("key file %q cannot be printed safely: %v", file, err),
		"no Dropbox credential looks like this: make a new key file with 'dropbox-post auth' (nothing was printed)")
}
