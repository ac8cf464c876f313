package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/librec-auto/dropbox-post/plugin/internal/atomicfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/credential"
	"github.com/librec-auto/dropbox-post/plugin/internal/exit"
	"github.com/librec-auto/dropbox-post/plugin/internal/keyfile"
	"github.com/librec-auto/dropbox-post/plugin/internal/progress"
	"github.com/librec-auto/dropbox-post/plugin/internal/secret"
)

// keyCommands returns encrypt, decrypt and key (info, upgrade).
func keyCommands(env *Env) []*cobra.Command {
	return []*cobra.Command{encryptCmd(env), decryptCmd(env), keyCmd(env)}
}

func encryptCmd(env *Env) *cobra.Command {
	var out, in string
	var force bool
	var pw passwordFlags
	cmd := &cobra.Command{
		Use:   "encrypt --encrypted OUT --key IN",
		Short: "Encrypt a Dropbox credential into a key file",
		Long: `encrypt reads a Dropbox credential from IN and writes it, encrypted with a
password, to OUT (mode 0600), in dropbox-post's format (Argon2id and
XChaCha20-Poly1305; docs/keyfile-format.md). OUT can be committed to the study.

IN holds a bare access token, or .env lines (DROPBOX_ACCESS_TOKEN=…, or
DROPBOX_APP_KEY=…, DROPBOX_APP_SECRET=… (optional) and DROPBOX_REFRESH_TOKEN=…,
and DROPBOX_SCOPE='…' as decrypt prints it), or a JSON object with the same
fields in lower case. The flags are those of
librec-auto's bin/encrypt.py. Without a password flag, the password is taken
from DROPBOX_POST_PASSWORD, or asked twice at the terminal.`,
		Example: "  dropbox-post encrypt --encrypted conf/dropbox.key --key token.txt",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required("encrypted", out, "key", in); err != nil {
				return err
			}
			c, err := keyfile.ReadCredential(in)
			if err != nil {
				return err
			}
			env.Redactor.Add(c.Secrets()...)
			if !force {
				if err := atomicfile.Absent(out); err != nil {
					return err
				}
			}
			password, err := pw.resolve(cmd.Context(), env, "new key file "+out, true)
			if err != nil {
				return err
			}
			if err := keyfile.Save(out, c, password.Reveal(), force); err != nil {
				return err
			}
			env.Log.Info("wrote key file", "file", out, "credential", c.Kind().String(), "format", keyfile.V1.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "encrypted", "", "key file to write (`OUT`)")
	f.StringVar(&in, "key", "", "file holding the credential to encrypt (`IN`)")
	f.BoolVar(&force, "force", false, "replace OUT if it exists")
	pw.register(f)
	return cmd
}

func decryptCmd(env *Env) *cobra.Command {
	var file string
	var pw passwordFlags
	cmd := &cobra.Command{
		Use:   "decrypt --encrypted FILE",
		Short: "Print the credential a key file holds",
		Long: `decrypt prints the credential held by a key file (dropbox-post's or
librec-auto's) to standard output. An access token prints bare, on one line,
as librec-auto's script prints it, for TOKEN=$(dropbox-post decrypt …): a
value, not a line to source. A refresh credential prints as .env lines,
DROPBOX_APP_KEY, DROPBOX_APP_SECRET and DROPBOX_REFRESH_TOKEN (with
DROPBOX_SCOPE='…' when the key file records its scopes), each value quoted so
that sourcing the lines (sh, bash) or reading them with python-dotenv runs
nothing and gives the value back exactly; a value that cannot be written so
is refused (exit 5). 'encrypt --key' reads both forms back. For lines that are
always safe to source, an access token's included, use 'secrets export
--format env'. It is one of the only commands that prints a secret.`,
		Example: "  dropbox-post decrypt --encrypted conf/dropbox.key -k PASSWORD > .env",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required("encrypted", file); err != nil {
				return err
			}
			c, _, err := openKeyFile(cmd.Context(), env, &pw, file)
			if err != nil {
				return err
			}
			out, err := c.EnvLinesWithScope()
			if c.Kind() == credential.AccessToken {
				// librec-auto's users capture it: TOKEN=$(dropbox-post decrypt …).
				out, err = []byte(c.AccessToken()+"\n"), nil
			}
			if err != nil {
				return unexportable(file, err)
			}
			_, err = env.Data.Write(out) // exact: the data asked for
			return err
		},
	}
	cmd.Flags().StringVar(&file, "encrypted", "", "key file to decrypt (`FILE`)")
	pw.register(cmd.Flags())
	return cmd
}

func keyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Describe or upgrade key files",
		Example: `  dropbox-post key info keys/dropbox.enc
  dropbox-post key upgrade keys/dropbox.enc -k "$PW"`,
	}
	for _, sub := range []*cobra.Command{keyInfoCmd(env), keyUpgradeCmd(env)} {
		sub.Args = wrapArgs(sub.Args)
		cmd.AddCommand(sub)
	}
	return cmd
}

func keyInfoCmd(env *Env) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Show a key file's format and work factor, without a password",
		Example: `  dropbox-post key info keys/dropbox.enc
  dropbox-post key info --output json conf/dropbox.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return exit.Usagef("use --output text or --output json", "unknown --output %q", output)
			}
			info, err := keyfile.InspectFile(args[0])
			if err != nil {
				return err
			}
			if output == "json" {
				return writeInfoJSON(env.Stdout, args[0], info)
			}
			writeInfoText(env.Stdout, args[0], info)
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json")
	return cmd
}

func keyUpgradeCmd(env *Env) *cobra.Command {
	var pw passwordFlags
	var to, output string
	var force bool
	cmd := &cobra.Command{
		Use:   "upgrade FILE [--encrypted NEW [--force]] [--output text|json]",
		Short: "Rewrite a librec-auto key file in dropbox-post's format, with the same password",
		Long: `upgrade decrypts a librec-auto (Fernet, PBKDF2 with a fixed salt) key file
and writes it again in place, atomically, in dropbox-post's format (Argon2id and
XChaCha20-Poly1305) with the same password and mode 0600. A file already in
dropbox-post's format is left as it is.

librec-auto's own dropbox_post.py and bin/encrypt.py cannot read the new
format: keep a copy of the old file if they still have to, or write the new
one elsewhere with --encrypted NEW and leave FILE as it is.

--output is the format of what it says on stdout, as on every command: text
(nothing; the log says what was done) or json (the file read, the one
written, the formats). --output NEW, naming a file, is the old spelling of
--encrypted NEW and still works, with a warning, for any NEW but "text" and
"json".`,
		Example: `  dropbox-post key upgrade keys/dropbox.enc --encrypted keys/dropbox-v1.enc -k "$PW"
  cp keys/dropbox.enc keys/dropbox.enc.librec-auto   # librec-auto's script reads only the old format
  dropbox-post key upgrade keys/dropbox.enc -k "$PW" --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" && output != "text" && output != "json" {
				if to != "" {
					return exit.Usagef("give the new key file with --encrypted alone; --output is text or json",
						"--output %q and --encrypted %q both name the key file to write", output, to)
				}
				env.Log.Warn(fmt.Sprintf("--output FILE is now --encrypted FILE (--output is the format, text or json): writing %q", output))
				to, output = output, ""
			}
			path := args[0]
			info, err := keyfile.InspectFile(path)
			if err != nil {
				return err
			}
			done := upgradeJSON{File: path, From: info.Format.String(), Format: info.Format.String()}
			if info.Format != keyfile.Legacy {
				env.Log.Info("key file is already in the current format; left unchanged", "file", path, "format", info.Format.String())
				return writeUpgrade(env, output, done)
			}
			c, password, err := openKeyFile(cmd.Context(), env, &pw, path)
			if err != nil {
				return err
			}
			out := cmp.Or(to, path)
			if err := keyfile.Save(out, c, password.Reveal(), out == path || force); err != nil {
				return err
			}
			done.Written, done.Format = out, keyfile.V1.String()
			env.Log.Info("upgraded key file", "file", out, "from", keyfile.Legacy.String(), "to", keyfile.V1.String())
			if out == path {
				env.Log.Warn(fmt.Sprintf("librec-auto's own dropbox_post.py can no longer read %q: if it still has to, restore the old file (e.g. from git), or keep a copy and write the new one elsewhere with --encrypted NEW", path))
			} else {
				env.Log.Info("left unchanged for librec-auto's own script", "file", path)
			}
			return writeUpgrade(env, output, done)
		},
	}
	pw.register(cmd.Flags())
	cmd.Flags().StringVar(&to, "encrypted", "", "write the upgraded key to the key file `NEW` and leave FILE as it is (librec-auto's script reads only FILE)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing NEW")
	cmd.Flags().StringVar(&output, "output", "text", "output format: text or json")
	return cmd
}

// upgradeJSON is what 'key upgrade --output json' prints.
type upgradeJSON struct {
	File    string `json:"file"`              // the key file upgraded
	Written string `json:"written,omitempty"` // the key file written: FILE, NEW, or none when FILE was already current
	From    string `json:"from"`              // FILE's format
	Format  string `json:"format"`            // the format of what was written (or of FILE, left as it was)
}

func writeUpgrade(env *Env, output string, done upgradeJSON) error {
	if output != "json" {
		return nil
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(done)
}

// openKeyFile asks for the password of the key file at path and decrypts
// it, returning the credential and the password. The credential's secrets
// are registered with the log redactor.
func openKeyFile(ctx context.Context, env *Env, pw *passwordFlags, path string) (credential.Credential, secret.Password, error) {
	// A missing, foreign or damaged file is reported before asking for a password.
	if _, err := keyfile.InspectFile(path); err != nil {
		return credential.Credential{}, secret.Password{}, err
	}
	var c credential.Credential
	var info keyfile.Info
	var password secret.Password
	err := pw.open(ctx, env, fmt.Sprintf("key file %q", path), func(pw secret.Password) error {
		env.prog.Phase(fmt.Sprintf("opening key file %q", path), progress.None, 0)
		var err error
		c, info, err = keyfile.Load(path, pw.Reveal())
		env.endProgress()
		password = pw
		return err
	})
	if err != nil {
		return credential.Credential{}, secret.Password{}, err
	}
	env.Redactor.Add(c.Secrets()...)
	env.Log.Debug("opened key file", "file", path, "format", info.Format.String(), "credential", c.Kind().String())
	return c, password, nil
}

// required reports the first of the named flags (name, value pairs) that
// was not given.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return exit.Usagef("see 'dropbox-post --help'", "--%s is required", pairs[i])
		}
	}
	return nil
}

// infoJSON is what 'key info --output json' prints.
type infoJSON struct {
	File string `json:"file"`
	keyfile.Info
}

func writeInfoJSON(w io.Writer, path string, info keyfile.Info) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(infoJSON{File: path, Info: info})
}

func writeInfoText(w io.Writer, path string, info keyfile.Info) {
	k := info.KDF
	kdf := fmt.Sprintf("%s t=%d m=%d KiB p=%d", k.Name, k.Time, k.MemoryKiB, k.Threads)
	if info.Format == keyfile.Legacy {
		kdf = fmt.Sprintf("%s, %d iterations, fixed salt %q", k.Name, k.Iterations, k.FixedSalt)
	}
	fmt.Fprintf(w, "file:    %q\nformat:  %s\nkdf:     %s\ncipher:  %s\n", path, info.Format, kdf, info.Cipher)
	if !info.Created.IsZero() {
		fmt.Fprintf(w, "created: %s\n", info.Created.Format(time.RFC3339))
	}
	if info.Format == keyfile.Legacy {
		fmt.Fprintf(w, "note:    the same salt for every file, and a fast key derivation; run 'dropbox-post key upgrade %s'\n", shellQuote(path))
	}
}
