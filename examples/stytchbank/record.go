package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Identity is what a bank asserted about the person at the end of a
// verification.
type Identity struct {
	Issuer   string // the bank's issuer
	BankName string
	Subject  string // the ID token's sub
	// Claims are the ID token's and userinfo's claims, userinfo winning.
	Claims     map[string]any
	VerifiedAt time.Time
}

// Result is the user a verification landed on.
type Result struct {
	User    User
	Created bool // a new user
	Linked  bool // an existing user found by a verified email
}

// ErrEmailConflict means another user has the bank's email address, and the
// match is not proven on both sides (both verified), so the verification
// is refused rather than merged into someone else's account.
var ErrEmailConflict = errors.New("an account with this email address already exists; sign in to it first")

// ExternalID is the Stytch external_id of the bank customer: the bank's
// sub is unique only at that bank (OpenID Connect Core §2), so the key is
// issuer and sub together, hashed to fit Stytch's rule (1-128 characters
// of [A-Za-z0-9._|-]) whatever the bank's sub looks like.
func ExternalID(issuer, subject string) string {
	sum := sha256.Sum256([]byte(issuer + "\n" + subject)) // an issuer URL holds no newline
	return "bank|" + hex.EncodeToString(sum[:16])
}

// Recorder turns a bank's identity into a Stytch user.
type Recorder struct {
	Users *Users
}

// Record finds the user the bank vouched for (by external ID) and
// refreshes their bank provenance, or creates them from the claims:
//
//	GET  /v1/users/{external_id}   found: PUT /v1/users/{user_id}
//	POST /v1/users                 not found: name, email, phone_number, external_id, trusted_metadata
//
// trusted_metadata.external_source records the bank, the bank's sub and
// when; trusted metadata is set only by the backend, never by the
// person's browser (Stytch keeps untrusted_metadata for that).
func (r *Recorder) Record(ctx context.Context, id Identity) (Result, error) {
	if id.Issuer == "" || id.Subject == "" {
		return Result{}, errors.New("the bank's answer names no issuer or subject")
	}
	ext := ExternalID(id.Issuer, id.Subject)
	meta := map[string]any{"external_source": externalSource(id)}
	f := fieldsFrom(id.Claims)
	// Two tries: a concurrent verification of the same person may create
	// the user between the lookup and the create; the retry finds it.
	for try := 0; ; try++ {
		u, err := r.Users.Get(ctx, ext)
		switch {
		case err == nil:
			upd := UpdateUser{TrustedMetadata: meta}
			if f.name != nil {
				upd.Name = f.name
			}
			u, err = r.Users.Update(ctx, u.UserID, upd)
			return Result{User: u}, err
		case !isAPIError(err, "user_not_found"):
			return Result{}, err
		}
		req := CreateUser{Email: f.email, PhoneNumber: f.phone, Name: f.name, ExternalID: ext, TrustedMetadata: meta}
		u, err = r.Users.Create(ctx, req)
		if isAPIError(err, "duplicate_phone_number") {
			// The bank's word on a phone is its weakest claim, and a
			// household may share one: keep the user, drop the number.
			req.PhoneNumber = ""
			u, err = r.Users.Create(ctx, req)
		}
		switch {
		case err == nil:
			return Result{User: u, Created: true}, nil
		case isAPIError(err, "duplicate_external_id") && try == 0:
			continue
		case isAPIError(err, "duplicate_email"):
			return r.link(ctx, f, ext, meta)
		}
		return Result{}, err
	}
}

// link puts the bank customer on the existing user with the bank's email,
// but only when the bank says email_verified and the user's address is
// verified too (OpenID Connect Core §5.7: an unverified email proves
// nothing about who owns it) and the user has no other external ID.
func (r *Recorder) link(ctx context.Context, f fields, ext string, meta map[string]any) (Result, error) {
	found, err := r.Users.SearchEmail(ctx, f.email)
	if err != nil {
		return Result{}, err
	}
	if len(found) != 1 || !f.emailVerified || found[0].ExternalID != "" {
		return Result{}, ErrEmailConflict
	}
	u := found[0]
	verified := false
	for _, e := range u.Emails {
		if strings.EqualFold(e.Email, f.email) {
			verified = e.Verified
		}
	}
	if !verified {
		return Result{}, ErrEmailConflict
	}
	upd := UpdateUser{ExternalID: ext, TrustedMetadata: meta}
	if u.Name == (Name{}) {
		upd.Name = f.name
	}
	u, err = r.Users.Update(ctx, u.UserID, upd)
	return Result{User: u, Linked: true}, err
}

func externalSource(id Identity) map[string]any {
	return map[string]any{
		"type":        "bank",
		"issuer":      id.Issuer,
		"name":        id.BankName,
		"subject":     id.Subject,
		"verified_at": id.VerifiedAt.UTC().Format(time.RFC3339),
	}
}

// fields are the user fields taken from the bank's claims (OpenID
// Connect Core §5.1), each dropped rather than sent when it would not be
// a valid Stytch value: a bank's odd claim should not fail a
// verification.
type fields struct {
	name          *Name
	email, phone  string
	emailVerified bool
}

func fieldsFrom(c map[string]any) fields {
	str := func(k string) string { s, _ := c[k].(string); return strings.TrimSpace(s) }
	var f fields
	n := Name{FirstName: str("given_name"), MiddleName: str("middle_name"), LastName: str("family_name")}
	if n == (Name{}) {
		n.FirstName = str("name") // only the full name: keep it whole
	}
	if n != (Name{}) {
		f.name = &n
	}
	if e := str("email"); strings.Count(e, "@") == 1 && len(e) <= 254 {
		f.email = e
		f.emailVerified, _ = c["email_verified"].(bool)
	}
	f.phone = normalizePhone(str("phone_number"))
	return f
}

// normalizePhone returns s as E.164 (what Stytch accepts), dropping the
// spaces, dashes, dots and brackets banks put in numbers, or "" when it
// is not one (Core §5.1 recommends E.164 but does not require it).
func normalizePhone(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, s)
	ok := len(s) >= 8 && len(s) <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9'
	for i := 2; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return ""
	}
	return s
}
