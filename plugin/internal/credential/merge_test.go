package credential

import "testing"

const newSection = "[dropbox]\napp_key = \"NEW\"\nrefresh_token = \"NEW-R\"\n"

func TestMergeStreamlit(t *testing.T) {
	for _, tc := range []struct{ name, old, want string }{
		{"empty file", "", newSection},
		{"no section: appended after a blank line",
			"[db]\nurl = \"x\"\n",
			"[db]\nurl = \"x\"\n\n" + newSection},
		{"no newline at the end",
			"title = \"t\"",
			"title = \"t\"\n\n" + newSection},
		{"replaced in place, the rest kept byte for byte",
			"# mine\ntitle = \"t\"\n\n[dropbox]\napp_key = \"OLD\"\nrefresh_token = \"OLD-R\"\n\n[db]\nurl = \"x\"\n",
			"# mine\ntitle = \"t\"\n\n" + newSection + "\n[db]\nurl = \"x\"\n"},
		{"appended twice (two tables, which TOML refuses): one left",
			"[dropbox]\napp_key = \"OLD\"\n[dropbox]\napp_key = \"OLD2\"\n",
			newSection},
		{"twice with something between",
			"[dropbox]\napp_key = \"OLD\"\n\n[db]\nurl = \"x\"\n\n[dropbox]\napp_key = \"OLD2\"\n",
			newSection + "\n[db]\nurl = \"x\"\n\n"},
		{"header spellings",
			"[ dropbox ]  # ours\nx = 1\n[\"db\"]\ny = 2\n",
			newSection + "[\"db\"]\ny = 2\n"},
		{"a sub-table and an array of tables are not ours",
			"[dropbox.extra]\nx = 1\n[[dropbox]]\ny = 2\n",
			"[dropbox.extra]\nx = 1\n[[dropbox]]\ny = 2\n\n" + newSection},
		{"a header inside a multi-line string is text",
			"note = \"\"\"\n[dropbox]\n\"\"\"\n",
			"note = \"\"\"\n[dropbox]\n\"\"\"\n\n" + newSection},
		{"CRLF lines kept",
			"a = 1\r\n[dropbox]\r\napp_key = \"OLD\"\r\n[b]\r\n",
			"a = 1\r\n" + newSection + "[b]\r\n"},
	} {
		if got := string(MergeStreamlit([]byte(tc.old), []byte(newSection))); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
		// Merging again changes nothing.
		once := MergeStreamlit([]byte(tc.old), []byte(newSection))
		if again := MergeStreamlit(once, []byte(newSection)); string(again) != string(once) {
			t.Errorf("%s: a second merge changed the file:\n%q\n%q", tc.name, once, again)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	const lines = "DROPBOX_APP_KEY='NEW'\nDROPBOX_REFRESH_TOKEN='NEW-R'\n"
	for _, tc := range []struct{ name, old, want string }{
		{"empty file", "", lines},
		{"appended", "OTHER=1", "OTHER=1\n" + lines},
		{"replaced where the first stood, every spelling, others kept",
			"# app\nOTHER=1\nexport DROPBOX_ACCESS_TOKEN=old\nMORE=2\n  DROPBOX_APP_KEY = 'old'\nDROPBOX_SCOPE='x'\nDROPBOX_APP_KEY_EXTRA=keep\n",
			"# app\nOTHER=1\n" + lines + "MORE=2\nDROPBOX_APP_KEY_EXTRA=keep\n"},
		{"commented out lines are kept", "# DROPBOX_APP_KEY=old\n", "# DROPBOX_APP_KEY=old\n" + lines},
	} {
		got := MergeEnv([]byte(tc.old), []byte(lines))
		if string(got) != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
		if again := MergeEnv(got, []byte(lines)); string(again) != string(got) {
			t.Errorf("%s: a second merge changed the file: %q", tc.name, again)
		}
	}
}
