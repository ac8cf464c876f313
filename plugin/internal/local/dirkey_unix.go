//go:build unix

package local

import (
	"io/fs"
	"syscall"
)

// dirKey returns what identifies the folder of info (its real path real)
// on its system: its device and inode.
func dirKey(info fs.FileInfo, real string) any {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return [2]uint64{uint64(st.Dev), uint64(st.Ino)}
	}
	return real
}
