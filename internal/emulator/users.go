package emulator

import "github.com/librec-auto/dropbox-post/internal/emulator/store"

// The emulated account, and the small routes about it.

const (
	accountID   = "dbid:AAD8emulatorLocalAccount00000000000" // 40 characters, as users_common.AccountId requires
	accountUID  = "12345678"
	namespaceID = "3235641"
)

type accountName struct {
	GivenName       string `json:"given_name"`
	Surname         string `json:"surname"`
	FamiliarName    string `json:"familiar_name"`
	DisplayName     string `json:"display_name"`
	AbbreviatedName string `json:"abbreviated_name"`
}

// fullAccount is users/FullAccount.
type fullAccount struct {
	AccountID     string      `json:"account_id"`
	Name          accountName `json:"name"`
	Email         string      `json:"email"`
	EmailVerified bool        `json:"email_verified"`
	Disabled      bool        `json:"disabled"`
	Country       string      `json:"country"`
	Locale        string      `json:"locale"`
	ReferralLink  string      `json:"referral_link"`
	IsPaired      bool        `json:"is_paired"`
	AccountType   store.Union `json:"account_type"`
	RootInfo      store.Union `json:"root_info"`
}

func (s *Server) currentAccount(c *call) {
	c.ok(fullAccount{
		AccountID: accountID,
		Name: accountName{GivenName: "Local", Surname: "Emulator", FamiliarName: "Local",
			DisplayName: "Local Emulator", AbbreviatedName: "LE"},
		Email:         "emulator@localhost",
		EmailVerified: true,
		Country:       "US",
		Locale:        "en",
		ReferralLink:  "https://www.dropbox.com/referrals/emulator",
		AccountType:   store.U("basic"),
		RootInfo:      store.U("user", "root_namespace_id", namespaceID, "home_namespace_id", namespaceID),
	})
}

// checkUser echoes its query, as check/user does.
func (s *Server) checkUser(c *call) {
	var arg struct {
		Query string `json:"query"`
	}
	if !c.decode(&arg) {
		return
	}
	c.ok(map[string]string{"result": arg.Query})
}

// revokeToken answers auth/token/revoke: it disables the access token of
// the call and, as auth.stone says, the refresh token it was made from
// with every other access token made from that.
func (s *Server) revokeToken(c *call) {
	s.auth.mu.Lock()
	var refresh string
	if t := s.auth.access[c.token]; t != nil {
		refresh = t.refresh
	}
	delete(s.auth.access, c.token)
	s.auth.mu.Unlock()
	if refresh != "" {
		if _, err := s.RevokeRefreshToken(refresh); err != nil {
			c.internal(err)
			return
		}
	}
	c.ok(nil)
}
