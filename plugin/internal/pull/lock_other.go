//go:build !unix

package pull

import "os"

// lockTemp does nothing where there is no flock: a pull's clean-up may then
// remove the temporaries of another pull into the same folder running at
// the same time (which then fails that file, and says so).
func lockTemp(*os.File) {}

func lockedByOther(*os.File) bool { return false }
