package token

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// userClaims are the claims about a user that the granted scopes, and the
// claims request parameter, release (OpenID Connect Core §5.4, §5.5), in
// the ID token and the UserInfo response. Empty values are left out rather
// than sent as "" (Core §5.3.2: claims without a value are omitted; the
// conformance suite fails blank strings).
//
// Stytch puts the scope claims in the ID token as well as in UserInfo, and
// so do bank OPs (IDPartner's basicUserInfo reads them from the ID token),
// so Signet does too, although Core §5.4 would keep them in UserInfo alone
// when an access token is issued. payment_details is the exception: it
// goes in the ID token only when the claims parameter asks for it there.
type userClaims struct {
	// profile
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	Birthdate  string `json:"birthdate,omitempty"`
	UpdatedAt  int64  `json:"updated_at,omitempty"`
	// email
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
	// address
	Address *store.Address `json:"address,omitempty"`
	// phone
	PhoneNumber         string `json:"phone_number,omitempty"`
	PhoneNumberVerified *bool  `json:"phone_number_verified,omitempty"`
	// the bank network's
	AgeOver18      *bool           `json:"age_over_18,omitempty"`
	AgeOver21      *bool           `json:"age_over_21,omitempty"`
	AgeOver25      *bool           `json:"age_over_25,omitempty"`
	PaymentDetails json.RawMessage `json:"payment_details,omitempty"`
}

// Claim names.
const (
	claimAgeOver18      = "age_over_18"
	claimAgeOver21      = "age_over_21"
	claimAgeOver25      = "age_over_25"
	claimPaymentDetails = "payment_details"
)

// knownClaim reports whether name is a user claim Signet can release.
func knownClaim(name string) bool {
	for _, names := range oidc.ScopeClaims {
		if slices.Contains(names, name) {
			return true
		}
	}
	return false
}

// Where released claims go: the members of a claims request (Core §5.5).
const (
	inIDToken  = "id_token"
	inUserInfo = "userinfo"
)

// released lists the claims a token of scopes and claims request req
// releases into target (inIDToken or inUserInfo): the scopes' claims
// (without payment_details in the ID token) and the names req asks for
// under target.
func released(scopes []string, req json.RawMessage, target string) []string {
	var names []string
	for _, s := range scopes {
		for _, n := range oidc.ScopeClaims[s] {
			if target == inIDToken && n == claimPaymentDetails {
				continue
			}
			names = append(names, n)
		}
	}
	for _, n := range requestedClaims(req, target) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// requestedClaims are the claim names Signet knows that the claims
// request asks for under member (OpenID Connect Core §5.5). Whatever a
// name's value (null, {"essential": true}, value, values), Signet
// releases the claim as it has it: a value it cannot honour is not an
// error (Core §5.5.1). Unknown names and a malformed request (the
// authorization endpoint checks its shape) release nothing.
func requestedClaims(req json.RawMessage, member string) []string {
	if len(req) == 0 {
		return nil
	}
	r, err := oidc.ParseClaimsRequest(req)
	if err != nil {
		return nil
	}
	asked := r.UserInfo
	if member == inIDToken {
		asked = r.IDToken
	}
	var names []string
	for n := range asked {
		if knownClaim(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// claimsFor returns the claims names about u, as they are at now (the
// age_over_N claims are computed for that day).
func claimsFor(u store.User, names []string, now time.Time) userClaims {
	var c userClaims
	for _, n := range names {
		setClaim(&c, u, n, now)
	}
	return c
}

// setClaim sets the claim name of c from u, if u has a value for it.
func setClaim(c *userClaims, u store.User, name string, now time.Time) {
	switch name {
	case claimAgeOver18:
		c.AgeOver18 = ageOver(u.Birthdate, 18, now)
	case claimAgeOver21:
		c.AgeOver21 = ageOver(u.Birthdate, 21, now)
	case claimAgeOver25:
		c.AgeOver25 = ageOver(u.Birthdate, 25, now)
	case claimPaymentDetails:
		if hasPaymentDetails(u) {
			c.PaymentDetails = u.PaymentDetails
		}
	default:
		setProfileClaim(c, u, name)
		setContactClaim(c, u, name)
	}
}

// setProfileClaim sets a claim of the profile scope (Core §5.4), if name
// is one.
func setProfileClaim(c *userClaims, u store.User, name string) {
	switch name {
	case "name":
		c.Name = strings.Join(slices.DeleteFunc([]string{u.Name.First, u.Name.Middle, u.Name.Last},
			func(s string) bool { return s == "" }), " ")
	case "given_name":
		c.GivenName = u.Name.First
	case "family_name":
		c.FamilyName = u.Name.Last
	case "middle_name":
		c.MiddleName = u.Name.Middle
	case "birthdate":
		c.Birthdate = u.Birthdate
	case "updated_at":
		if !u.UpdatedAt.IsZero() {
			c.UpdatedAt = u.UpdatedAt.Unix() // Core §5.1: seconds since the epoch
		}
	}
}

// setContactClaim sets a claim of the email, address or phone scope
// (Core §5.4), if name is one.
func setContactClaim(c *userClaims, u store.User, name string) {
	switch name {
	case "email":
		if u.Email != nil {
			c.Email = u.Email.Address
		}
	case "email_verified":
		if u.Email != nil {
			c.EmailVerified = ptr(u.Email.Verified)
		}
	case "address":
		if u.Address != nil && *u.Address != (store.Address{}) {
			c.Address = u.Address
		}
	case "phone_number":
		if u.Phone != nil {
			c.PhoneNumber = u.Phone.Number
		}
	case "phone_number_verified":
		if u.Phone != nil {
			c.PhoneNumberVerified = ptr(u.Phone.Verified)
		}
	}
}

// ageOver reports whether someone born on birthdate (YYYY-MM-DD) is at
// least n years old on now's UTC date, or nil if birthdate is not a full
// date (Core §5.1 also allows "YYYY" and "0000-MM-DD", which do not say).
//
// The nth birthday of someone born on 29 February is 1 March in a common
// year: the comparison of (month, day) below counts 28 February as before
// it. That is the later of the two usual readings, so the claim is never
// true a day early.
func ageOver(birthdate string, n int, now time.Time) *bool {
	b, err := time.Parse(time.DateOnly, birthdate)
	if err != nil || b.Year() < 1 {
		return nil
	}
	y, m, d := now.UTC().Date()
	age := y - b.Year()
	if m < b.Month() || (m == b.Month() && d < b.Day()) {
		age-- // this year's birthday is still to come
	}
	return ptr(age >= n)
}

// hasPaymentDetails reports whether the user has a payment_details value.
func hasPaymentDetails(u store.User) bool {
	return len(u.PaymentDetails) > 0 && string(u.PaymentDetails) != "null"
}

func ptr[T any](v T) *T { return &v }

// Claims lists the claims Signet's ID tokens and UserInfo responses carry,
// for the discovery document's claims_supported.
func Claims() []string {
	return []string{"sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "azp", "at_hash", "sid",
		"name", "given_name", "family_name", "middle_name", "birthdate", "updated_at",
		"email", "email_verified", "address", "phone_number", "phone_number_verified",
		claimAgeOver18, claimAgeOver21, claimAgeOver25, claimPaymentDetails}
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
