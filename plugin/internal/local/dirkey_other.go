//go:build !unix

package local

import (
	"io/fs"
	"strings"
)

// dirKey returns what identifies the folder of info (its real path real)
// on its system: its real path, in lower case (Windows compares names so).
func dirKey(info fs.FileInfo, real string) any {
	return strings.ToLower(real)
}
