package emulator

import (
	"encoding/json"
	"fmt"

	"github.com/librec-auto/dropbox-post/internal/emulator/store"
)

// Names are the modes in which the emulator treats names and paths as the
// real Dropbox is reported to, where that is stricter than a kind server
// or where nobody could confirm what it does. Each is off in the zero
// value. The rules every mode shares (which names Dropbox stores, how it
// lower-cases) are package store's (names.go, paths.go), with their
// evidence; docs/real-dropbox.md says what the client does about each.
type Names struct {
	// NFC stores every name written in Unicode NFC and answers with it;
	// lookups are not normalised, so an NFD path of a stored NFC name is
	// not_found (store.NameRules.NFC has the evidence: maestral's sync.py
	// and live test test_unicode_decomposed, samschott/maestral PR #678).
	NFC bool
	// Display is how path_display shows the folders above an entry:
	// DisplayRequest, DisplayLower or DisplayRandom; "" as stored
	// (files.stone, Metadata.path_display: "at least the last path
	// component will have the correct casing").
	Display string
	// NonBMP is how names holding a character beyond the Basic
	// Multilingual Plane (most emoji) are refused: NonBMPRefuse at
	// commit, NonBMP400 as a malformed call; "" stores them, two UTF-16
	// units each. dropbox/dropbox-sdk-java#42 (2016) got, from
	// files/upload, 400 'Error in call to API function "files/upload":
	// path: invalid path: character at index X: not part of the Unicode
	// Basic Multilingual Plane'; rclone#6199 (2022) a batch commit that
	// failed; apache/opendal#3381 (2023) the same.
	NonBMP string
	// ASCIIArg refuses a Dropbox-API-Arg header holding any byte at or
	// above 0x7F (raw UTF-8) with 400 'HTTP header "Dropbox-API-Arg":
	// could not decode input as JSON'. Dropbox's JSON-encoding page: the
	// header must be "HTTP header safe… using JSON-style '\uXXXX' escape
	// codes for the character 0x7F and all non-ASCII characters";
	// ShareX/ShareX#2167 got that 400 for raw UTF-8. (Without the mode
	// raw UTF-8 is taken, as some SDKs send it.)
	ASCIIArg bool
}

// Values of Names.Display (store.NameRules.Display says what each shows).
const (
	DisplayStored  = store.DisplayStored
	DisplayRequest = store.DisplayRequest
	DisplayLower   = store.DisplayLower
	DisplayRandom  = store.DisplayRandom
)

// Values of Names.NonBMP.
const (
	NonBMPAccept = ""
	NonBMPRefuse = "refuse"
	NonBMP400    = "400"
)

func (n Names) validate() error {
	switch n.Display {
	case DisplayStored, DisplayRequest, DisplayLower, DisplayRandom:
	default:
		return fmt.Errorf("display case %q is not %q, %q or %q", n.Display, DisplayRequest, DisplayLower, DisplayRandom)
	}
	switch n.NonBMP {
	case NonBMPAccept, NonBMPRefuse, NonBMP400:
	default:
		return fmt.Errorf("non-BMP names %q: give %q or %q", n.NonBMP, NonBMPRefuse, NonBMP400)
	}
	return nil
}

// rules are the store's side of the modes.
func (n Names) rules() store.NameRules {
	return store.NameRules{NFC: n.NFC, RefuseNonBMP: n.NonBMP != NonBMPAccept, Display: n.Display}
}

// asciiArg answers 400 to a Dropbox-API-Arg (from src) that is not ASCII
// in Names.ASCIIArg, and reports whether to go on.
func (c *call) asciiArg(arg, src string) bool {
	if !c.s.opts.Names.ASCIIArg {
		return true
	}
	for i := 0; i < len(arg); i++ {
		if arg[i] >= 0x7f {
			c.bad(src + ": could not decode input as JSON")
			return false
		}
	}
	return true
}

// nonBMPArg answers 400 to an argument whose paths hold a character beyond
// the Basic Multilingual Plane in Names.NonBMP 400 (every "path" field, at
// any depth: a finish_batch_v2 fails whole), and reports whether to go on.
func (c *call) nonBMPArg() bool {
	if c.s.opts.Names.NonBMP != NonBMP400 {
		return true
	}
	var v any
	if json.Unmarshal(c.arg, &v) != nil {
		return true // decode answers it
	}
	if at := nonBMPPath(v); at >= 0 {
		c.bad(fmt.Sprintf("path: invalid path: character at index %d: not part of the Unicode Basic Multilingual Plane", at))
		return false
	}
	return true
}

// nonBMPPath returns the index of the first character beyond the Basic
// Multilingual Plane in a "path" string of v, or -1.
func nonBMPPath(v any) int {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if p, ok := e.(string); ok && k == "path" {
				if at := store.NonBMPAt(p); at >= 0 {
					return at
				}
			}
			if at := nonBMPPath(e); at >= 0 {
				return at
			}
		}
	case []any:
		for _, e := range v {
			if at := nonBMPPath(e); at >= 0 {
				return at
			}
		}
	}
	return -1
}
