package configschema

import (
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/dpath"
	"github.com/librec-auto/dropbox-post/internal/filter"
)

// Element is one Dropbox post element, checked and ready to plan: post
// Local to Target on Dropbox.
//
// Where things land follows librec-auto's dropbox_post.py: Dest is a
// Dropbox folder; option=file puts the file at Dest/<its name>, and
// option=folder puts the folder's contents directly in Dest (not in
// Dest/<folder name>), sub-folders included.
type Element struct {
	Index      int    // 1-based position among the Dropbox elements, in document order
	Line       int    // line of the <script> start tag
	ScriptName string // dropbox-post.py, dropbox_post.py or dropbox-post
	Lang       string // the lang attribute (librec-auto runs only "python3")
	Src        string // the src attribute: "system", a directory, or ""

	Option Option // File, Folder, or Skip (option=No: nothing else is checked)

	Path   string // the path param as written
	Local  string // absolute local path, symbolic links resolved; "" when skipped
	Dest   string // the dest param, cleaned: a Dropbox folder, "" for the root
	Target string // Dest/<name of Path> for a file; Dest for a folder
	// Name is what a file is posted under: the last name of Path, also
	// when Path is a symbolic link (latest.png, a link to
	// plot-20261204.png, is posted as latest.png, as librec-auto's script
	// did); Local is what it leads to. "" for a folder.
	Name string

	KeyPath string // the encrypted_key param as written; "" when absent
	Key     string // absolute path of the key file, symbolic links resolved; "" when absent

	Password PasswordMode
	// ConfigPassword is the password written in the config, used when
	// Password is PasswordInline. For a librec-auto call whose password is
	// -k's (PasswordFromFlag), it is the config element's text, if any, so
	// that -k's password is warned about when it is the same.
	ConfigPassword Secret

	Share bool // the share param: also make a shared link for what was posted

	// Filter holds the exclude and include params (each one given) and
	// max_size: what the element leaves out, on top of the person's flags.
	Filter filter.Spec

	Warnings []Problem // this element's warnings, also in Resolve's list
}

// Option is what an element posts.
type Option int

// The values of the option param (compared case-insensitively).
const (
	File   Option = iota + 1 // option=file: one file
	Folder                   // option=folder: a folder's contents, recursively
	Skip                     // option=No: the element is switched off
)

// String returns the option as written in a config.
func (o Option) String() string {
	switch o {
	case File:
		return "file"
	case Folder:
		return "folder"
	case Skip:
		return "No"
	}
	return "unset"
}

// MarshalText lets JSON output show the option as a word.
func (o Option) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// PasswordMode says where an element's key password comes from.
type PasswordMode int

// Password modes. With librec-auto, a password param (empty or not) makes it
// append --password=<-k value> when -k was given; that comes last on the
// script's command line, so it wins over a password written in the config.
const (
	// PasswordAbsent: no password param. librec-auto does not pass -k to
	// the script (its own script then prompts on the terminal).
	PasswordAbsent PasswordMode = iota
	// PasswordFromFlag: <param name="password"/>, the password is given
	// with -k.
	PasswordFromFlag
	// PasswordInline: the password is written in the config (a -k value,
	// when given, still wins).
	PasswordInline
)

// String describes the mode for a report.
func (m PasswordMode) String() string {
	switch m {
	case PasswordFromFlag:
		return "from -k"
	case PasswordInline:
		return "in the config"
	}
	return "none"
}

// MarshalText lets JSON output show the mode as words.
func (m PasswordMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Secret is a password read from a config. It formats as
// "<password hidden>" (with %v, %s, %q, %#v and in JSON) so that it cannot
// reach a log or a report by accident; Reveal returns it.
type Secret string

const hidden = "<password hidden>"

// String returns "<password hidden>".
func (Secret) String() string { return hidden }

// GoString returns "<password hidden>".
func (Secret) GoString() string { return hidden }

// MarshalText returns "<password hidden>".
func (Secret) MarshalText() ([]byte, error) { return []byte(hidden), nil }

// Reveal returns the password itself.
func (s Secret) Reveal() string { return string(s) }

// String describes the element for a report: `element 2 (line 40): folder
// "exp00000" → "/librec/movielens"`.
func (e Element) String() string {
	switch e.Option {
	case Skip:
		return e.Where() + ": skipped (option No)"
	case Folder:
		return fmt.Sprintf("%s: folder %q → %s", e.Where(), e.Path, dpath.Quote(e.Target))
	}
	return fmt.Sprintf("%s: file %q → %s", e.Where(), e.Path, dpath.Quote(e.Target))
}

// Where names the element in messages: "element 2 (line 40)"; for one given
// as flags whose place in a config is unknown (a librec-auto call that
// matches no element of its config: Line 0), "the element of this call".
func (e Element) Where() string {
	if e.Line == 0 {
		return "the element of this call"
	}
	return fmt.Sprintf("element %d (line %d)", e.Index, e.Line)
}
