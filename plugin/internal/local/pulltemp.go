package local

import "strings"

// pullTempMark is in the name of every temporary file pull writes:
// ".NAME.dropbox-post-pull-<16 hex digits>.tmp", beside the file NAME it
// becomes. A pull that is killed may leave one behind; the next pull of
// the same destination removes it, and push never posts one.
const pullTempMark = ".dropbox-post-pull-"

// pullTempSuffixLen is the length of the random part, in hex digits.
const pullTempSuffixLen = 16

// PullTemp returns the name of pull's temporary file for the file named
// base; suffix is 16 hex digits. A long base is shortened, so that the
// name still fits a file system's 255 bytes.
func PullTemp(base, suffix string) string {
	if len(base) > 200 {
		base = strings.ToValidUTF8(base[:200], "")
	}
	return "." + base + pullTempMark + suffix + ".tmp"
}

// IsPullTemp reports whether name (a base name) has the form of pull's
// temporary files.
func IsPullTemp(name string) bool {
	rest, ok := strings.CutSuffix(name, ".tmp")
	if !ok || !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(rest, pullTempMark)
	if i < 2 {
		return false
	}
	suffix := rest[i+len(pullTempMark):]
	if len(suffix) != pullTempSuffixLen {
		return false
	}
	for _, c := range suffix {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
