package credential

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const (
	tok     = "sl.B0aFakeShortLivedToken-abc_123XYZ"
	appKey  = "k3yAppFake9"
	secret  = "s3cretAppFake"
	refresh = "RefreshFakeToken_ABCdef-0123456789"
)

func mustAccess(t *testing.T) Credential {
	t.Helper()
	c, err := NewAccessToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustRefresh(t *testing.T, appSecret string) Credential {
	t.Helper()
	c, err := NewRefresh(appKey, appSecret, refresh)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParse(t *testing.T) {
	access := Credential{accessToken: tok}
	full := Credential{appKey: appKey, appSecret: secret, refreshToken: refresh}
	pkce := Credential{appKey: appKey, refreshToken: refresh}
	for _, tc := range []struct {
		name, in string
		want     Credential
	}{
		{"bare", tok, access},
		{"trailing newline", tok + "\n", access},
		{"crlf", tok + "\r\n", access},
		{"surrounding blanks", " \t\n" + tok + " \n\n", access},
		{"utf-8 bom", "\ufeff" + tok + "\n", access},
		{"env access", "DROPBOX_ACCESS_TOKEN=" + tok + "\n", access},
		{"env refresh", "# Dropbox\nDROPBOX_APP_KEY=" + appKey + "\n\nDROPBOX_APP_SECRET=" + secret + "\nDROPBOX_REFRESH_TOKEN=" + refresh + "\n", full},
		{"env pkce crlf", "DROPBOX_APP_KEY=" + appKey + "\r\nDROPBOX_REFRESH_TOKEN=" + refresh + "\r\n", pkce},
		{"env quotes export spaces", "export DROPBOX_APP_KEY = \"" + appKey + "\"\nDROPBOX_REFRESH_TOKEN='" + refresh + "'\nOTHER=x y z\n", pkce},
		{"env refresh wins over access", "DROPBOX_ACCESS_TOKEN=" + tok + "\nDROPBOX_APP_KEY=" + appKey + "\nDROPBOX_REFRESH_TOKEN=" + refresh, pkce},
		{"env last wins", "DROPBOX_ACCESS_TOKEN=old\nDROPBOX_ACCESS_TOKEN=" + tok, access},
		{"streamlit toml style", "DROPBOX_APP_KEY = \"" + appKey + "\"\nDROPBOX_REFRESH_TOKEN = \"" + refresh + "\"\n", pkce},
		{"json access", `{"access_token": "` + tok + `"}`, access},
		{"json refresh", "{\n \"app_key\": \"" + appKey + "\",\n \"app_secret\": \"" + secret + "\",\n \"refresh_token\": \"" + refresh + "\"\n}\n", full},
		{"json other fields ignored", `{"app_key":"` + appKey + `","refresh_token":"` + refresh + `","token_type":"bearer","expires_in":14400}`, pkce},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tc.want {
				t.Errorf("Parse = %#v (%s), want %s", got, got.Encode(), tc.want.Encode())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "the credential is empty"},
		{"blank", " \r\n\t\n", "the credential is empty"},
		{"refresh without app key", "DROPBOX_REFRESH_TOKEN=" + refresh, "incomplete refresh credential: the refresh token has no app key"},
		{"dropbox token response", `{"access_token":"` + tok + `","refresh_token":"` + refresh + `"}`, "the refresh token has no app key"},
		{"app key alone", "DROPBOX_APP_KEY=" + appKey + "\nDROPBOX_APP_SECRET=" + secret, "the app key has no refresh token"},
		{"only other names", "FOO=" + tok, "no credential found"},
		{"two bare lines", tok + "\n" + refresh, "several lines but no DROPBOX_ACCESS_TOKEN="},
		{"space in token", "sl.abc " + tok, "the access token contains a space"},
		{"quote in token", "sl\"" + tok, "contains a quote"},
		{"bad json", `{"access_token": ` + tok + `}`, "not valid JSON (at byte"},
		{"json number", `{"access_token": 12}`, `field "access_token" is not a string`},
		{"json cut", `{"access_token": "` + tok, "not valid JSON"},
		{"json trailing", `{"access_token": "` + tok + `"} x`, "data after its JSON object"},
		{"env junk line", "DROPBOX_ACCESS_TOKEN=" + tok + "\n" + secret, "line 2 is not a NAME=value line"},
		{"env open quote", "DROPBOX_ACCESS_TOKEN=\"" + tok, "no closing quote"},
		{"env empty value", "DROPBOX_APP_KEY=\nDROPBOX_REFRESH_TOKEN=" + refresh, "has no app key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse succeeded with %s", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			for _, s := range []string{tok, secret, refresh, appKey, "sl.abc"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q reveals a secret", err)
				}
			}
		})
	}
}

func TestNeverPrinted(t *testing.T) {
	for _, c := range []Credential{mustAccess(t), mustRefresh(t, secret), mustRefresh(t, "")} {
		js, _ := json.Marshal(c)
		wrapped := struct{ C Credential }{c}
		outs := []string{
			c.String(), c.GoString(), string(js),
			fmt.Sprint(c), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%X|%d|%T", c, c, c, c, c, c, c, c, c),
			fmt.Sprintf("%v %+v %#v", &c, wrapped, wrapped), fmt.Sprintf("%v", []Credential{c}),
		}
		for _, out := range outs {
			for _, s := range c.Secrets() {
				if strings.Contains(out, s) {
					t.Errorf("%q reveals a secret", out)
				}
			}
			if strings.Contains(out, appKey) {
				t.Errorf("%q reveals the app key", out)
			}
		}
		if !strings.Contains(fmt.Sprint(c), c.Kind().String()) {
			t.Errorf("%v does not name the kind %v", c, c.Kind())
		}
	}
	if got := fmt.Sprint(Credential{}); got != "no credential" {
		t.Errorf("zero credential prints %q", got)
	}
}

func TestSecrets(t *testing.T) {
	if got := mustAccess(t).Secrets(); len(got) != 1 || got[0] != tok {
		t.Errorf("access Secrets = %d values", len(got))
	}
	got := mustRefresh(t, secret).Secrets()
	if len(got) != 2 || got[0] != secret || got[1] != refresh {
		t.Errorf("refresh Secrets = %d values", len(got))
	}
	if got := mustRefresh(t, "").Secrets(); len(got) != 1 || got[0] != refresh {
		t.Errorf("PKCE Secrets = %d values", len(got))
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, tc := range []struct {
		c    Credential
		want string
		kind Kind
	}{
		{mustAccess(t), `{"access_token":"` + tok + `"}`, AccessToken},
		{mustRefresh(t, secret), `{"app_key":"` + appKey + `","app_secret":"` + secret + `","refresh_token":"` + refresh + `"}`, Refresh},
		{mustRefresh(t, ""), `{"app_key":"` + appKey + `","refresh_token":"` + refresh + `"}`, Refresh},
	} {
		if got := string(tc.c.Encode()); got != tc.want {
			t.Errorf("Encode = %s, want %s", got, tc.want)
		}
		back, err := Decode(tc.c.Encode())
		if err != nil || back != tc.c || back.Kind() != tc.kind {
			t.Errorf("Decode(Encode()) = %v, %v; want the same %v", back, err, tc.kind)
		}
		again, err := Parse(mustEnvLines(t, tc.c, false))
		if err != nil || again != tc.c {
			t.Errorf("Parse(EnvLines()) = %v, %v", again, err)
		}
	}
	if (Credential{}).Encode() != nil {
		t.Error("zero credential encodes to something")
	}
	c, err := NewAccessToken("a<b>&c")
	if err != nil || string(c.Encode()) != `{"access_token":"a<b>&c"}` {
		t.Errorf("Encode escapes HTML: %s, %v", c.Encode(), err)
	}
}

func TestDecodeStrict(t *testing.T) {
	for _, in := range []string{
		"",
		tok,
		"DROPBOX_ACCESS_TOKEN=" + tok,
		`{"access_token":"` + tok + `","extra":1}`,
		`{"access_token":"` + tok + `","refresh_token":"` + refresh + `","app_key":"` + appKey + `"}`,
		`{}`,
	} {
		if c, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) = %v, want an error", in, c)
		}
	}
}

func TestKind(t *testing.T) {
	if k := (Credential{}).Kind(); k != None || k.String() != "no credential" || !(Credential{}).IsZero() {
		t.Errorf("zero Kind = %v", k)
	}
	if mustAccess(t).Kind() != AccessToken || mustRefresh(t, "").Kind() != Refresh {
		t.Error("wrong kinds")
	}
	if c := mustAccess(t); c.AccessToken() != tok || c.AppKey() != "" || c.IsZero() {
		t.Error("access accessors")
	}
	if c := mustRefresh(t, secret); c.AppKey() != appKey || c.AppSecret() != secret || c.RefreshToken() != refresh || c.AccessToken() != "" {
		t.Error("refresh accessors")
	}
}

func TestScopesRecorded(t *testing.T) {
	c := mustRefresh(t, "").WithScopes([]string{"account_info.read", "files.content.read", "bad scope\""})
	want := `{"app_key":"` + appKey + `","refresh_token":"` + refresh + `","scope":"account_info.read files.content.read"}`
	if got := string(c.Encode()); got != want {
		t.Errorf("Encode = %s, want %s", got, want)
	}
	back, err := Decode(c.Encode())
	if err != nil || back != c {
		t.Errorf("Decode(Encode()) = %v, %v", back, err)
	}
	if w, known := back.CanWrite(); w || !known {
		t.Errorf("read scopes: CanWrite = %v, %v; want false, true", w, known)
	}
	if w, known := c.WithScopes([]string{"files.content.write"}).CanWrite(); !w || !known {
		t.Errorf("files.content.write: CanWrite = %v, %v; want true, true", w, known)
	}
	if w, known := mustRefresh(t, "").CanWrite(); w || known {
		t.Errorf("no scopes recorded: CanWrite = %v, %v; want false, false", w, known)
	}
	if c.Scopes() == nil || mustAccess(t).Scopes() != nil {
		t.Errorf("Scopes: %v, %v", c.Scopes(), mustAccess(t).Scopes())
	}
}
