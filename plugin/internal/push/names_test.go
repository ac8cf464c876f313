package push

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// Local names with invisible or look-alike characters are posted, with a
// warning that names each character.
func TestLookalikeNamesAreWarnedAbout(t *testing.T) {
	root := study(t, map[string][]byte{"plain.csv": []byte("1"), "re\u200bsults.csv": []byte("2"), "ｒun/a.csv": []byte("3")})
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Warn})
	sum, err := Run(context.Background(), nil, Options{Local: root, Dest: "/d", DryRun: true, Offline: "test", Log: log})
	if err != nil || sum.Uploaded != 3 {
		t.Fatalf("dry run: %+v %v", sum, err)
	}
	got := buf.String()
	for _, want := range []string{
		`local name "re\u200bsults.csv" holds U+200B ZERO WIDTH SPACE, invisible or easily mistaken`,
		`local name "ｒun/a.csv" holds U+FF52 FULLWIDTH LATIN SMALL LETTER R`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "plain.csv") || strings.ContainsRune(got, '\u200b') {
		t.Errorf("log names a plain file or holds the raw character:\n%s", got)
	}
}
