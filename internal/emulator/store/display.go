package store

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// shown returns the path_display to answer for n, by NameRules.Display:
// its own name as stored, the folders above it as the mode says. Callers
// hold s.mu.
func (s *Store) shown(n *node) string {
	if n.display == "" {
		return ""
	}
	parent, name := Parent(n.display), Base(n.display)
	switch s.rules.Display {
	case DisplayRequest:
		if n.asked != "" {
			parent = n.asked
		}
	case DisplayLower:
		parent = Lower(parent)
	case DisplayRandom:
		parent = strings.Map(func(r rune) rune {
			if rand.IntN(2) == 0 {
				return unicode.ToUpper(r)
			}
			return unicode.ToLower(r)
		}, parent)
	}
	return parent + "/" + name
}

// asked returns the folders above the entry that a request writes at p,
// as the request spells them, when DisplayRequest shows them and they
// differ from how they were stored (""). Callers hold s.mu.
func (s *Store) asked(p, storedParent string) string {
	if s.rules.Display != DisplayRequest || Parent(p) == storedParent {
		return ""
	}
	return Parent(p)
}
