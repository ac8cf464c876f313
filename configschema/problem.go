package configschema

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one finding about a config: an error that stops it from being
// used, or a warning. It always names the config file, and the line when the
// finding is about one element.
type Problem struct {
	File string // the config file, as given to Load or Parse
	Line int    // 1-based line; 0 when the finding is about the whole file
	What string // what is wrong, without a trailing period
	Fix  string // what to do about it; may be empty
}

// String returns "FILE:LINE: WHAT: FIX", leaving out the parts that are empty.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	b.WriteString(p.What)
	if p.Fix != "" {
		b.WriteString(": ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// InvalidError reports that a config cannot be used. It holds every problem
// found, in line order. A command maps it to exit code 3 (exit.Config) and
// prints each problem on a line of its own.
type InvalidError struct {
	File     string
	Problems []Problem
	Err      error // the underlying cause, if any (an I/O error, for one)
}

// Error returns the problems, one a line, after a count when there is more
// than one.
func (e *InvalidError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("%s: %d problems", e.File, len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the underlying cause.
func (e *InvalidError) Unwrap() error { return e.Err }

// report collects problems and warnings about one config file.
type report struct {
	file     string
	problems []Problem
	warnings []Problem
}

func (r *report) problem(line int, fix, format string, args ...any) {
	r.problems = append(r.problems, Problem{File: r.file, Line: line, What: fmt.Sprintf(format, args...), Fix: fix})
}

func (r *report) warn(line int, fix, format string, args ...any) {
	r.warnings = append(r.warnings, Problem{File: r.file, Line: line, What: fmt.Sprintf(format, args...), Fix: fix})
}

// fixOnce leaves out the fix of a warning whose fix an earlier one gives
// (every unknown param gets the same long explanation): it is said once per
// config, and each warning still says what is wrong, on its line.
func fixOnce(warnings []Problem) {
	said := map[string]bool{}
	for i, w := range warnings {
		if said[w.Fix] {
			warnings[i].Fix = ""
		}
		said[w.Fix] = true
	}
}

// err returns an *InvalidError holding the problems in line order, or nil.
func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	byLine(r.problems)
	return &InvalidError{File: r.file, Problems: r.problems}
}

func byLine(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}
