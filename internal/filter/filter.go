// Package filter decides which files a push, a run or a verify takes into
// account: --exclude and --include glob patterns (rclone's rules, see
// compile) and --max-size. Filters only ever narrow what is posted.
//
// A file passes a Spec when it matches none of its excludes, matches one of
// its includes (when it has any), and is no larger than its MaxSize (when
// set): excludes win over includes, whatever their order, as rclone applies
// its --exclude rules before its --include rules. A Filter is one or more
// Specs (the person's flags, a config element's params), and a file must
// pass them all, so that a config can narrow what the person chose but
// never widen it.
package filter

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Limits on patterns: a config may come from a public repository, and
// matching costs the pattern's length for each file.
const (
	MaxPatternLen = 1024 // bytes in one pattern
	MaxPatterns   = 1000 // patterns in a Filter, all Specs together
)

// Spec is one set of filters, as given and as recorded in a manifest.
type Spec struct {
	From    string   `json:"from,omitempty"` // "flags", "config element 2", …
	Exclude []string `json:"exclude,omitempty"`
	Include []string `json:"include,omitempty"`
	MaxSize int64    `json:"max_size,omitempty"` // bytes; 0: no limit
}

// Empty reports whether s filters nothing out.
func (s Spec) Empty() bool { return len(s.Exclude) == 0 && len(s.Include) == 0 && s.MaxSize == 0 }

type set struct {
	spec    Spec
	exclude []*regexp.Regexp
	include []*regexp.Regexp
}

// Filter is a compiled list of Specs. The nil *Filter passes everything.
type Filter struct {
	sets []set
}

// New compiles specs (empty ones are dropped). An error names the pattern
// that is wrong, quoted, and why.
func New(specs ...Spec) (*Filter, error) {
	f := &Filter{}
	n := 0
	for _, s := range specs {
		if s.Empty() {
			continue
		}
		if s.MaxSize < 0 {
			return nil, fmt.Errorf("max size %d is negative", s.MaxSize)
		}
		st := set{spec: s}
		for _, l := range []struct {
			kind string
			pats []string
			out  *[]*regexp.Regexp
		}{{"exclude", s.Exclude, &st.exclude}, {"include", s.Include, &st.include}} {
			for _, p := range l.pats {
				if n++; n > MaxPatterns {
					return nil, fmt.Errorf("more than %d patterns: combine them (\"*.{bin,log}\")", MaxPatterns)
				}
				if err := Check(p); err != nil {
					return nil, fmt.Errorf("%s pattern %q: %v", l.kind, clip(p), err)
				}
				re, _ := compile(p)
				*l.out = append(*l.out, re)
			}
		}
		f.sets = append(f.sets, st)
	}
	return f, nil
}

// Check reports what is wrong with one pattern, if anything.
func Check(p string) error {
	if len(p) > MaxPatternLen {
		return fmt.Errorf("it is %d bytes long; at most %d", len(p), MaxPatternLen)
	}
	_, err := compile(p)
	return err
}

func clip(p string) string {
	if len(p) > 60 {
		return p[:60] + "…"
	}
	return p
}

// Active reports whether f leaves anything out.
func (f *Filter) Active() bool { return f != nil && len(f.sets) > 0 }

// Specs returns what f was made of, for a manifest.
func (f *Filter) Specs() []Spec {
	if f == nil {
		return nil
	}
	out := make([]Spec, len(f.sets))
	for i, s := range f.sets {
		out[i] = s.spec
	}
	return out
}

// File reports whether the file at rel ("/"-separated, below LOCAL) of the
// given size passes every Spec.
func (f *Filter) File(rel string, size int64) bool {
	if f == nil {
		return true
	}
	for _, s := range f.sets {
		if s.spec.MaxSize > 0 && size > s.spec.MaxSize || !s.path(rel) {
			return false
		}
	}
	return true
}

// Dir reports whether an empty folder at rel is posted: its path with a
// trailing "/" must pass the patterns ("logs/" and "logs/**" leave out an
// empty logs; with includes, only one they name is kept).
func (f *Filter) Dir(rel string) bool {
	if f == nil {
		return true
	}
	for _, s := range f.sets {
		if !s.path(rel + "/") {
			return false
		}
	}
	return true
}

func (s set) path(rel string) bool {
	for _, re := range s.exclude {
		if re.MatchString(rel) {
			return false
		}
	}
	if len(s.include) == 0 {
		return true
	}
	for _, re := range s.include {
		if re.MatchString(rel) {
			return true
		}
	}
	return false
}

// ParseSize reads a size: a number of bytes with an optional binary
// suffix, any case: K (KiB), M (MiB), G (GiB), T (TiB), optionally followed
// by "iB" or "B" ("10M", "1.5GiB", "512k", "4096", "100B"). A bare number is
// bytes (rclone's --max-size takes KiB).
func ParseSize(s string) (int64, error) {
	text := strings.TrimSpace(s)
	t := strings.ToLower(text)
	t = strings.TrimSuffix(t, "b")
	t = strings.TrimSuffix(t, "i")
	mult := 1.0
	if n := len(t); n > 0 {
		if i := strings.IndexByte("kmgt", t[n-1]); i >= 0 {
			mult, t = math.Pow(1024, float64(i+1)), t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || strings.ContainsAny(t, "xXpP_") {
		return 0, fmt.Errorf("%q is not a size: give a number of bytes, such as 10M (MiB), 1G (GiB), 512K (KiB) or 4096", text)
	}
	n := v * mult
	if n < 1 || n > 1<<60 {
		return 0, fmt.Errorf("%q is out of range: give from 1 byte to 1024P", text)
	}
	return int64(n), nil
}

// ReadPatterns reads an --exclude-from file: one pattern a line; blank
// lines and lines starting with "#" (after leading spaces) are skipped;
// trailing spaces and a Windows line end are trimmed.
func ReadPatterns(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), MaxPatternLen+16)
	line := 0
	for sc.Scan() {
		line++
		p := strings.TrimRight(sc.Text(), " \t\r")
		if t := strings.TrimLeft(p, " \t"); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(out) == MaxPatterns {
			return nil, fmt.Errorf("line %d: more than %d patterns", line, MaxPatterns)
		}
		if err := Check(p); err != nil {
			return nil, fmt.Errorf("line %d: pattern %q: %v", line, clip(p), err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v (a pattern is at most %d bytes)", line+1, err, MaxPatternLen)
	}
	return out, nil
}
