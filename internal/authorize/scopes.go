package authorize

import (
	"slices"
	"strings"
)

// Scopes Signet grants to Connected Apps: the OpenID Connect ones (Core
// §3.1.2.1, §5.4, §11). The order is the order of the consent page.
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopePhone         = "phone"
	ScopeOfflineAccess = "offline_access"
)

// scopeDescriptions are the consent page's words for each scope.
var scopeDescriptions = map[string]string{
	ScopeOpenID:        "Know who you are when you sign in",
	ScopeProfile:       "See your name",
	ScopeEmail:         "See your email address",
	ScopePhone:         "See your phone number",
	ScopeOfflineAccess: "Keep this access while you are not using the app",
}

// Scopes lists the scopes Signet grants, for the discovery document's
// scopes_supported.
func Scopes() []string {
	return []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopePhone, ScopeOfflineAccess}
}

// Claims lists the claims the scopes stand for (OpenID Connect Core §5.4),
// plus those of every ID token, for the discovery document's
// claims_supported.
func Claims() []string {
	return []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce",
		"name", "given_name", "family_name", "middle_name",
		"email", "email_verified", "phone_number", "phone_number_verified"}
}

// splitScope splits a scope parameter on spaces (RFC 6749 §3.3), dropping
// empty tokens and duplicates and keeping the order.
func splitScope(s string) []string {
	var out []string
	for _, tok := range strings.Split(s, " ") {
		if tok != "" && !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out
}

// knownScopes keeps the scopes Signet grants, in the order of Scopes().
// Others are dropped: OpenID Connect Core §3.1.2.1 says scope values an
// implementation does not understand SHOULD be ignored.
func knownScopes(requested []string) []string {
	var out []string
	for _, s := range Scopes() {
		if slices.Contains(requested, s) {
			out = append(out, s)
		}
	}
	return out
}

// covers reports whether every scope in want is in have.
func covers(have, want []string) bool {
	for _, s := range want {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}
