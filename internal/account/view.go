package account

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/web"
)

// view gathers the account page of me: the apps they allowed, their
// sessions, their banks, whether they have a password.
func (h *Handler) view(ctx context.Context, me signedIn) (web.AccountPage, error) {
	page := web.AccountPage{
		ProjectName: me.project.Name,
		ProjectID:   me.project.ID,
		Actions:     web.AccountActions{RevokeApp: revokeAppPath, SignOut: signOutPath, SignOutOthers: signOutOthersPath, Password: passwordPath},
		HasPassword: me.user.Password != nil && me.user.Email != nil,
	}
	if me.user.Email != nil {
		page.UserEmail = me.user.Email.Address
	}
	apps, err := h.apps(ctx, me)
	if err != nil {
		return page, err
	}
	page.Apps = apps
	sessions, err := h.Accounts.UserSessions(ctx, me.project.ID, me.user.ID)
	if err != nil {
		return page, err
	}
	for _, s := range sessions {
		page.Sessions = append(page.Sessions, web.AccountSession{
			ID: s.ID, Current: s.ID == me.session.ID, Device: device(s.UserAgent), Method: method(s),
			Started: when(s.StartedAt), LastUsed: when(s.LastAccessedAt),
		})
	}
	for i := len(me.user.Verifications) - 1; i >= 0; i-- { // latest first
		v := me.user.Verifications[i]
		b := web.AccountBank{Name: v.BankName, Verified: when(v.VerifiedAt), Confirmed: confirmed(v.Claims)}
		if b.Name == "" {
			b.Name = "Your bank"
		}
		if first := when(v.CreatedAt); first != b.Verified {
			b.First = first
		}
		page.Banks = append(page.Banks, b)
	}
	return page, nil
}

// apps are the applications me allowed, oldest first, with what each may
// do in the consent page's words.
func (h *Handler) apps(ctx context.Context, me signedIn) ([]web.AccountApp, error) {
	consents, err := h.Store.UserConsents(ctx, me.project.ID, me.user.ID)
	if err != nil || len(consents) == 0 {
		return nil, err
	}
	var policy *rbac.Compiled
	if h.Policies != nil {
		// Without the policy its scopes show by name: a page that lists
		// fewer words beats no page at all.
		policy, _ = h.Policies.Policy(ctx, me.project)
	}
	var out []web.AccountApp
	for _, c := range consents {
		app, err := h.Store.ConnectedApp(ctx, me.project.ID, c.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile, with its consents
		} else if err != nil {
			return nil, err
		}
		name := app.Name
		if name == "" {
			name = "An app without a name"
		}
		a := web.AccountApp{ClientID: app.ClientID, Client: web.Client{Name: name, LogoURL: app.LogoURL}, Allowed: when(c.GrantedAt)}
		for _, s := range c.Scopes {
			d := authorize.DescribeScope(s, policy)
			if d == "" {
				d = s
			}
			a.Scopes = append(a.Scopes, d)
		}
		out = append(out, a)
	}
	return out, nil
}

// when is a time in words, in UTC (the page knows no time zone).
func when(t time.Time) string {
	return "on " + t.UTC().Format("2 January 2006 at 15:04") + " UTC"
}

// method says how a session was started, from its first factor.
func method(s store.Session) string {
	if len(s.Factors) > 0 {
		switch f := s.Factors[0]; {
		case f.Type == "password":
			return "Signed in with your password"
		case f.DeliveryMethod == "oauth_bank":
			return "Signed in with your bank"
		}
	}
	return "Signed in"
}

// device names the browser and system a User-Agent header describes, in
// a few words ("Chrome on Android"); "" when there is none. What it
// cannot name it shows shortened, as the browser said it.
func device(ua string) string {
	if ua == "" {
		return ""
	}
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if r := []rune(ua); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return ua
}

// claimWords say what a bank's claims confirmed, in the order shown.
var claimWords = []struct {
	claims []string
	words  string
}{
	{[]string{"name", "given_name", "family_name", "middle_name"}, "Your name"},
	{[]string{"birthdate"}, "Your date of birth"},
	{[]string{"age_over_18"}, "Whether you are 18 or older"},
	{[]string{"age_over_21"}, "Whether you are 21 or older"},
	{[]string{"age_over_25"}, "Whether you are 25 or older"},
	{[]string{"email"}, "Your email address"},
	{[]string{"phone_number"}, "Your phone number"},
	{[]string{"address"}, "Your postal address"},
	{[]string{"payment_details"}, "Your bank account details"},
}

// confirmed lists, in words, what a verification's claims (a JSON object)
// confirmed; the bank's other claims count as "Other details".
func confirmed(raw json.RawMessage) []string {
	var claims map[string]json.RawMessage
	if json.Unmarshal(raw, &claims) != nil || len(claims) == 0 {
		return nil
	}
	var out []string
	known := map[string]bool{"sub": true, "email_verified": true, "phone_number_verified": true}
	for _, cw := range claimWords {
		found := false
		for _, c := range cw.claims {
			known[c] = true
			if v, ok := claims[c]; ok && string(v) != "null" {
				found = true
			}
		}
		if found {
			out = append(out, cw.words)
		}
	}
	for c := range claims {
		if !known[c] {
			return append(out, "Other details")
		}
	}
	return out
}
