package token

import (
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// userClaims are the claims about a user that the granted scopes release
// (OpenID Connect Core §5.4), in both the ID token and the UserInfo
// response. Empty values are left out rather than sent as "" (Core §5.3.2:
// claims without a value are omitted; the conformance suite fails blank
// strings).
//
// Stytch puts these claims in the ID token as well as in UserInfo, so
// Signet does too, although Core §5.4 would keep them in UserInfo alone
// when an access token is issued: clients written against Stytch read
// them from the ID token. (The conformance suite only warns about it.)
type userClaims struct {
	// profile
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	UpdatedAt  int64  `json:"updated_at,omitempty"`
	// email
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
	// phone
	PhoneNumber         string `json:"phone_number,omitempty"`
	PhoneNumberVerified *bool  `json:"phone_number_verified,omitempty"`
}

// claimsFor returns the claims about u that scopes release.
func claimsFor(u store.User, scopes []string) userClaims {
	var c userClaims
	if slices.Contains(scopes, oidc.ScopeProfile) {
		n := u.Name
		c.GivenName, c.MiddleName, c.FamilyName = n.First, n.Middle, n.Last
		c.Name = strings.Join(slices.DeleteFunc([]string{n.First, n.Middle, n.Last},
			func(s string) bool { return s == "" }), " ")
		if !u.UpdatedAt.IsZero() {
			c.UpdatedAt = u.UpdatedAt.Unix() // Core §5.1: seconds since the epoch
		}
	}
	if slices.Contains(scopes, oidc.ScopeEmail) && u.Email != nil {
		c.Email, c.EmailVerified = u.Email.Address, ptr(u.Email.Verified)
	}
	if slices.Contains(scopes, oidc.ScopePhone) && u.Phone != nil {
		c.PhoneNumber, c.PhoneNumberVerified = u.Phone.Number, ptr(u.Phone.Verified)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// Claims lists the claims Signet's ID tokens and UserInfo responses carry,
// for the discovery document's claims_supported.
func Claims() []string {
	return []string{"sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "azp", "at_hash",
		"name", "given_name", "family_name", "middle_name", "updated_at",
		"email", "email_verified", "phone_number", "phone_number_verified"}
}

// splitScope splits a space-separated scope value (RFC 6749 §3.3).
func splitScope(s string) []string {
	var out []string
	for tok := range strings.SplitSeq(s, " ") {
		if tok != "" && !slices.Contains(out, tok) {
			out = append(out, tok)
		}
	}
	return out
}
