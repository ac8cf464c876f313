package report

import "testing"

func TestSizeDiffers(t *testing.T) {
	for _, tc := range []struct {
		here, there int64
		want        string
	}{
		{2980, 2990, "size differs (2,980 B here, 2,990 B on Dropbox)"}, // both "2.9 KiB"
		{3000, 5000, "size differs (2.9 KiB here, 4.9 KiB on Dropbox)"},
		{10, 12, "size differs (10 B here, 12 B on Dropbox)"},
		{1234567, 1234568, "size differs (1,234,567 B here, 1,234,568 B on Dropbox)"},
		{0, 1024, "size differs (0 B here, 1.0 KiB on Dropbox)"},
	} {
		if got := SizeDiffers(tc.here, tc.there); got != tc.want {
			t.Errorf("SizeDiffers(%d, %d) = %q, want %q", tc.here, tc.there, got, tc.want)
		}
	}
}
