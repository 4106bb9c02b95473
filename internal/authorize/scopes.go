package authorize

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/signet-id/signet/oidc"
)

// Scopes Signet grants to Connected Apps: the OpenID Connect ones (Core
// §3.1.2.1, §5.4, §11) and the bank network's (age_over_N,
// payment_details; reference/idpartner-protocol.md §4). The order is the
// order of the consent page: identity, then contact details, then what
// a bank knows, then the lasting access.
const (
	ScopeOpenID         = "openid"
	ScopeProfile        = "profile"
	ScopeEmail          = "email"
	ScopeAddress        = "address"
	ScopePhone          = "phone"
	ScopeAgeOver18      = "age_over_18"
	ScopeAgeOver21      = "age_over_21"
	ScopeAgeOver25      = "age_over_25"
	ScopePaymentDetails = "payment_details"
	ScopeOfflineAccess  = "offline_access"
)

// scopeDescriptions are the consent page's words for each scope.
var scopeDescriptions = map[string]string{
	ScopeOpenID:         "Know who you are when you sign in",
	ScopeProfile:        "See your name and date of birth",
	ScopeEmail:          "See your email address",
	ScopeAddress:        "See your postal address",
	ScopePhone:          "See your phone number",
	ScopeAgeOver18:      "Know whether you are 18 or older (not your date of birth)",
	ScopeAgeOver21:      "Know whether you are 21 or older (not your date of birth)",
	ScopeAgeOver25:      "Know whether you are 25 or older (not your date of birth)",
	ScopePaymentDetails: "See your account and routing numbers, to pay you or be paid",
	ScopeOfflineAccess:  "Keep this access while you are not using the app",
}

// Scopes lists the scopes Signet grants, for the discovery document's
// scopes_supported.
func Scopes() []string {
	return []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopeAddress, ScopePhone,
		ScopeAgeOver18, ScopeAgeOver21, ScopeAgeOver25, ScopePaymentDetails, ScopeOfflineAccess}
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

// claimScopes are the scopes, beyond granted, whose claims a claims
// request (OpenID Connect Core §5.5) names, in the order of Scopes().
func claimScopes(claims json.RawMessage, granted []string) []string {
	if len(claims) == 0 {
		return nil
	}
	req, err := oidc.ParseClaimsRequest(claims)
	if err != nil {
		return nil // checked when the request was read (checkClaimsRequest)
	}
	var extra []string
	for _, name := range req.Names() {
		if s := oidc.ScopeOfClaim(name); s != "" && !slices.Contains(granted, s) && !slices.Contains(extra, s) {
			extra = append(extra, s)
		}
	}
	var out []string
	for _, s := range Scopes() {
		if slices.Contains(extra, s) {
			out = append(out, s)
		}
	}
	return out
}
