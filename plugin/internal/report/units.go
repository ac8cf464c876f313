package report

import "fmt"

// Files says "1 file" or "N files".
func Files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

// Bytes formats a byte count with binary units: "4.0 KiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// SizeDiffers says that a local file of size here and its Dropbox copy
// of size there differ: "size differs (2.9 KiB here, 4.9 KiB on
// Dropbox)", with Bytes, unless that shows them equal, then in exact bytes
// ("2,980 B here, 2,990 B on Dropbox").
func SizeDiffers(here, there int64) string {
	x, y := Bytes(here), Bytes(there)
	if x == y {
		x, y = exactBytes(here), exactBytes(there)
	}
	return fmt.Sprintf("size differs (%s here, %s on Dropbox)", x, y)
}

// exactBytes formats n in bytes with a comma every three digits.
func exactBytes(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " B"
}
