package users

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// A bank-verified user is an ordinary user with a Verification: the bank,
// the bank's sub for the person, the claims it released and when. The
// bank verification flow (internal/banks) hands this package what the bank
// asserted; everything about which user that is and what of it to keep is
// decided here, next to the rest of the user rules.

// BankIdentity is what a bank asserted about one of its customers at the
// end of a verification.
type BankIdentity struct {
	BankID   string
	Issuer   string
	BankName string
	Subject  string // the ID token's sub
	// Claims are the released claims (ID token and userinfo) without the
	// protocol claims (iss, aud, exp, nonce, ...).
	Claims map[string]any
	ACR    string
	// PaymentDetails is the bank's payment_details array, set only when
	// the bank granted that scope.
	PaymentDetails json.RawMessage
	// LinkUserID, when set, is the user the caller wants the verification
	// on (an API flow started for a known user).
	LinkUserID string
}

// BankResult is the user a verification landed on.
type BankResult struct {
	User         store.User
	Verification store.Verification
	Created      bool // a new user, rather than an existing one found or linked
}

// RecordBankVerification finds or makes the user the bank vouched for and
// records the verification on them, in one store write:
//
//   - the same (issuer, sub) as an earlier verification is the same user:
//     the verification is refreshed and empty fields filled;
//   - id.LinkUserID links to that user;
//   - an existing user with the bank's email is linked only when the bank
//     says email_verified and the user's address is verified too (OpenID
//     Connect Core §5.7: an unverified email is no proof of who owns it);
//     otherwise ErrBankEmailConflict, and nothing is written;
//   - else a new active user is created from the claims.
//
// A new user's trusted_metadata.external_source names the bank; a linked
// user gets it only if they had none.
//
// Errors: ErrBankEmailConflict, ErrBankSubjectConflict (the customer is
// already another user), ErrUserNotFound (id.LinkUserID names no user),
// an *InvalidError for an identity without issuer or subject, or an
// internal error.
func (s *Service) RecordBankVerification(ctx context.Context, projectID string, id BankIdentity) (BankResult, error) {
	if id.Subject == "" || id.Issuer == "" {
		return BankResult{}, invalid("invalid_bank_identity", "The bank's answer has no subject.")
	}
	// Two tries: a concurrent verification of the same person may create
	// the user between our lookup and our insert; the retry finds it.
	for try := 0; ; try++ {
		res, err := s.recordBank(ctx, projectID, id)
		var dup *store.DuplicateError
		if try == 0 && errors.As(err, &dup) && dup.Field == "bank_subject" {
			continue
		}
		return res, err
	}
}

func (s *Service) recordBank(ctx context.Context, projectID string, id BankIdentity) (BankResult, error) {
	now := store.Now(s.clock)
	claims, err := json.Marshal(nonNilMap(id.Claims))
	if err != nil {
		return BankResult{}, err
	}
	v := store.Verification{
		ID: newID("verification"), BankID: id.BankID, Issuer: id.Issuer, BankName: id.BankName,
		Subject: id.Subject, Claims: claims, ACR: id.ACR, VerifiedAt: now, CreatedAt: now,
	}
	f := bankFields(id, now)

	owner, err := s.store.UserByBankSubject(ctx, projectID, id.Issuer, id.Subject)
	switch {
	case err == nil:
		if id.LinkUserID != "" && id.LinkUserID != owner.ID && id.LinkUserID != owner.ExternalID {
			return BankResult{}, ErrBankSubjectConflict
		}
		return s.linkBank(ctx, owner.ID, projectID, v, f, id)
	case !errors.Is(err, store.ErrNotFound):
		return BankResult{}, err
	}
	if id.LinkUserID != "" {
		u, err := s.User(ctx, projectID, id.LinkUserID)
		if err != nil {
			return BankResult{}, err
		}
		return s.linkBank(ctx, u.ID, projectID, v, f, id)
	}
	if f.email != "" {
		u, err := s.store.UserByEmail(ctx, projectID, f.email)
		switch {
		case err == nil:
			if !f.emailVerified || u.Email == nil || !u.Email.Verified {
				return BankResult{}, ErrBankEmailConflict
			}
			return s.linkBank(ctx, u.ID, projectID, v, f, id)
		case !errors.Is(err, store.ErrNotFound):
			return BankResult{}, err
		}
	}
	return s.createBankUser(ctx, projectID, v, f, id)
}

// createBankUser inserts the new user with the verification on it. A phone
// number another user already has is dropped rather than failing the
// verification (the bank's word on a phone is the weakest of its claims,
// and a person may share a household number).
func (s *Service) createBankUser(ctx context.Context, projectID string, v store.Verification, f bankUserFields, id BankIdentity) (BankResult, error) {
	now := v.VerifiedAt
	u := store.User{
		ID: newID("user"), ProjectID: projectID, Status: "active", Name: f.name,
		Address: f.address, Birthdate: f.birthdate, PaymentDetails: id.PaymentDetails,
		TrustedMetadata: externalSource(nil, v), Verifications: []store.Verification{v},
		CreatedAt: now, UpdatedAt: now,
	}
	if f.email != "" {
		u.Email = &store.Email{ID: newID("email"), Address: f.email, Verified: f.emailVerified}
	}
	if f.phone != "" {
		u.Phone = &store.Phone{ID: newID("phone-number"), Number: f.phone, Verified: f.phoneVerified}
	}
	err := s.store.CreateUser(ctx, u)
	var dup *store.DuplicateError
	if errors.As(err, &dup) && dup.Field == "phone_number" {
		u.Phone = nil
		err = s.store.CreateUser(ctx, u)
	}
	switch {
	case errors.As(err, &dup) && dup.Field == "email":
		// Created by someone else since the lookup; refuse rather than guess.
		return BankResult{}, ErrBankEmailConflict
	case err != nil:
		return BankResult{}, err // bank_subject duplicates go back for the retry
	}
	return BankResult{User: u, Verification: v, Created: true}, nil
}

// linkBank records v on the existing user userID, refreshing an earlier
// verification by the same bank customer, and fills fields the user lacks.
func (s *Service) linkBank(ctx context.Context, userID, projectID string, v store.Verification, f bankUserFields, id BankIdentity) (BankResult, error) {
	var rec store.Verification
	apply := func(u *store.User, withPhone bool) error {
		rec = v
		found := false
		for i, old := range u.Verifications {
			if old.Issuer == v.Issuer && old.Subject == v.Subject {
				rec.ID, rec.CreatedAt = old.ID, old.CreatedAt
				u.Verifications[i] = rec
				found = true
			}
		}
		if !found {
			u.Verifications = append(u.Verifications, rec)
		}
		f.fillMissing(u, withPhone)
		if id.PaymentDetails != nil {
			u.PaymentDetails = id.PaymentDetails // the bank's current accounts replace older ones
		}
		u.TrustedMetadata = externalSource(u.TrustedMetadata, rec)
		if u.Status == "pending" {
			u.Status = "active"
		}
		u.UpdatedAt = v.VerifiedAt
		return nil
	}
	u, err := s.store.UpdateUser(ctx, projectID, userID, func(u *store.User) error { return apply(u, true) })
	var dup *store.DuplicateError
	if errors.As(err, &dup) && (dup.Field == "phone_number" || dup.Field == "email") {
		// The bank's address or number is another user's: link without it.
		f.email = ""
		u, err = s.store.UpdateUser(ctx, projectID, userID, func(u *store.User) error { return apply(u, false) })
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return BankResult{}, ErrUserNotFound
	case errors.As(err, &dup) && dup.Field == "bank_subject":
		return BankResult{}, ErrBankSubjectConflict
	case err != nil:
		return BankResult{}, err
	}
	return BankResult{User: u, Verification: rec}, nil
}

// fillMissing sets the fields u lacks from f, the phone number only if
// withPhone.
func (f bankUserFields) fillMissing(u *store.User, withPhone bool) {
	if u.Name == (store.Name{}) {
		u.Name = f.name
	}
	if u.Email == nil && f.email != "" {
		u.Email = &store.Email{ID: newID("email"), Address: f.email, Verified: f.emailVerified}
	}
	if withPhone && u.Phone == nil && f.phone != "" {
		u.Phone = &store.Phone{ID: newID("phone-number"), Number: f.phone, Verified: f.phoneVerified}
	}
	if u.Address == nil {
		u.Address = f.address
	}
	if u.Birthdate == "" {
		u.Birthdate = f.birthdate
	}
}

// externalSource sets trusted_metadata.external_source to the bank of v
// unless the metadata already names a source (Stytch's convention for
// where an imported user came from; an app may have set its own).
func externalSource(meta json.RawMessage, v store.Verification) json.RawMessage {
	m := map[string]any{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &m); err != nil || m == nil {
			return meta
		}
	}
	if _, ok := m["external_source"]; ok {
		return meta
	}
	m["external_source"] = map[string]any{
		"type":        "bank",
		"bank_id":     v.BankID,
		"issuer":      v.Issuer,
		"name":        v.BankName,
		"subject":     v.Subject,
		"verified_at": ts(v.VerifiedAt),
	}
	b, err := json.Marshal(m)
	if err != nil {
		return meta
	}
	return b
}

// bankUserFields are the user fields taken from the claims, each already
// valid for a user or dropped: a bank's odd claim never fails a
// verification, it is just not copied.
type bankUserFields struct {
	name                         store.Name
	email, phone                 string
	emailVerified, phoneVerified bool
	address                      *store.Address
	birthdate                    string
}

func bankFields(id BankIdentity, now time.Time) bankUserFields {
	c := id.Claims
	var f bankUserFields
	f.name = store.Name{First: nameClaim(c, "given_name"), Middle: nameClaim(c, "middle_name"), Last: nameClaim(c, "family_name")}
	if f.name == (store.Name{}) {
		// Only "name" released: keep it whole as the first name rather
		// than guess where a family name starts.
		f.name.First = nameClaim(c, "name")
	}
	if e, _ := c["email"].(string); e != "" && checkEmail(e) == nil {
		f.email = e
		f.emailVerified, _ = c["email_verified"].(bool) // Core §5.1: a JSON boolean
	}
	if p, _ := c["phone_number"].(string); p != "" {
		if p = normalizePhone(p); checkPhone(p) == nil {
			f.phone = p
			f.phoneVerified, _ = c["phone_number_verified"].(bool)
		}
	}
	if raw, ok := c["address"].(map[string]any); ok {
		var a store.Address
		if b, err := json.Marshal(raw); err == nil && json.Unmarshal(b, &a) == nil && a != (store.Address{}) {
			if ok, err := checkAddress(&a); err == nil {
				f.address = ok
			}
		}
	}
	if b, _ := c["birthdate"].(string); b != "" && checkBirthdate(b, now) == nil {
		f.birthdate = b
	}
	return f
}

func nameClaim(c map[string]any, key string) string {
	s, _ := c[key].(string)
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNamePart {
		return ""
	}
	return s
}

// normalizePhone drops the spaces, dashes, dots and brackets people (and
// some banks) put in a phone number; Core §5.1 recommends E.164 for
// phone_number but does not require it.
func normalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, s)
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// bankFactor is the AuthenticationFactor of a bank verification: an oauth
// factor, as Stytch records a social login, whose detail names the bank
// and the bank's sub.
func bankFactor(u store.User, v store.Verification) store.Factor {
	at := v.VerifiedAt
	detail := map[string]string{
		"id": v.ID, "provider_subject": v.Subject,
		"bank_id": v.BankID, "bank_issuer": v.Issuer, "bank_name": v.BankName,
	}
	if u.Email != nil {
		detail["email_id"] = u.Email.ID
	}
	if v.ACR != "" {
		// What the bank asserted, so an ID token of this session can
		// state it when asked (package authorize, acr.go).
		detail["acr"] = v.ACR
	}
	b, _ := json.Marshal(detail)
	return store.Factor{
		Type: "oauth", DeliveryMethod: "oauth_bank", LastAuthenticatedAt: at, CreatedAt: at, UpdatedAt: at,
		DetailName: "bank_oauth_factor", Detail: b,
	}
}

// StartBankSession signs res.User in with a bank factor for d (0: 60
// minutes). Errors: ErrUserNotFound (deleted meanwhile), an
// *InvalidError for d out of bounds (SessionOptions), or an internal
// error.
func (s *Service) StartBankSession(ctx context.Context, projectID string, res BankResult, d time.Duration) (Issued, error) {
	if err := (SessionOptions{Duration: d}).check(); err != nil {
		return Issued{}, err
	}
	out, err := s.startSession(ctx, projectID, res.User, bankFactor(res.User, res.Verification), orDefault(d), nil, "")
	if err == nil {
		s.audit.Record(ctx, audit.Event{ProjectID: projectID, Type: audit.SignIn, Actor: "user:" + res.User.ID,
			Subject: res.User.ID, Outcome: audit.Success,
			Details: map[string]string{"method": "bank", "bank_issuer": res.Verification.Issuer}})
	}
	return out, err
}

// SessionJSON is s as the Stytch Session object (stytch-api.md §5.2).
func SessionJSON(s store.Session) any { return toSessionJSON(s) }

// verificationJSON is a Verification on the wire (a Signet extension of
// the User object).
type verificationJSON struct {
	VerificationID string          `json:"verification_id"`
	Type           string          `json:"type"` // "bank"
	BankID         string          `json:"bank_id"`
	BankIssuer     string          `json:"bank_issuer"`
	BankName       string          `json:"bank_name"`
	BankSubject    string          `json:"bank_subject"`
	Claims         json.RawMessage `json:"claims"`
	ACR            string          `json:"acr"`
	VerifiedAt     string          `json:"verified_at"`
	CreatedAt      string          `json:"created_at"`
}

func toVerificationJSON(v store.Verification) verificationJSON {
	return verificationJSON{
		VerificationID: v.ID, Type: "bank", BankID: v.BankID, BankIssuer: v.Issuer, BankName: v.BankName,
		BankSubject: v.Subject, Claims: object(v.Claims), ACR: v.ACR,
		VerifiedAt: ts(v.VerifiedAt), CreatedAt: ts(v.CreatedAt),
	}
}

// VerificationJSON is v as user JSON lists it.
func VerificationJSON(v store.Verification) any { return toVerificationJSON(v) }
