package users

import (
	"encoding/json"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The JSON shapes of stytch-api.md §5.1 (User) and §5.2 (Session,
// AuthenticationFactor). Lists are never null: SDKs iterate them.

type userJSON struct {
	UserID                 string          `json:"user_id"`
	Emails                 []emailJSON     `json:"emails"`
	Status                 string          `json:"status"`
	PhoneNumbers           []phoneJSON     `json:"phone_numbers"`
	WebAuthnRegistrations  []struct{}      `json:"webauthn_registrations"`
	Providers              []struct{}      `json:"providers"`
	TOTPs                  []struct{}      `json:"totps"`
	CryptoWallets          []struct{}      `json:"crypto_wallets"`
	BiometricRegistrations []struct{}      `json:"biometric_registrations"`
	IsLocked               bool            `json:"is_locked"`
	Roles                  []string        `json:"roles"`
	Name                   nameJSON        `json:"name"`
	CreatedAt              string          `json:"created_at"`
	Password               *passwordJSON   `json:"password"`
	TrustedMetadata        json.RawMessage `json:"trusted_metadata"`
	UntrustedMetadata      json.RawMessage `json:"untrusted_metadata"`
	ExternalID             string          `json:"external_id"`
	LockCreatedAt          *string         `json:"lock_created_at"`
	LockExpiresAt          *string         `json:"lock_expires_at"`
	// Signet extensions, absent unless set: Stytch clients never see
	// members they do not know.
	Address       *store.Address     `json:"address,omitempty"`
	Birthdate     string             `json:"birthdate,omitempty"`
	Verifications []verificationJSON `json:"verifications,omitempty"`
}

type emailJSON struct {
	EmailID  string `json:"email_id"`
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
}

type phoneJSON struct {
	PhoneID     string `json:"phone_id"`
	PhoneNumber string `json:"phone_number"`
	Verified    bool   `json:"verified"`
}

type nameJSON struct {
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

type passwordJSON struct {
	PasswordID    string `json:"password_id"`
	RequiresReset bool   `json:"requires_reset"`
}

// ts formats a time as Stytch does: RFC 3339, UTC, whole seconds.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

// locked reports whether u is locked out at now. Nothing locks a user any
// more: sign-ins are throttled per email address, whether or not a user
// has it (package doc), so the user's lock fields only show a lock an
// earlier version recorded, until it expires.
func locked(u store.User, now time.Time) bool {
	return u.LockExpiresAt != nil && u.LockExpiresAt.After(now)
}

func toUserJSON(u store.User, now time.Time) userJSON {
	j := userJSON{
		UserID:                 u.ID,
		Emails:                 []emailJSON{},
		Status:                 u.Status,
		PhoneNumbers:           []phoneJSON{},
		WebAuthnRegistrations:  []struct{}{},
		Providers:              []struct{}{},
		TOTPs:                  []struct{}{},
		CryptoWallets:          []struct{}{},
		BiometricRegistrations: []struct{}{},
		IsLocked:               locked(u, now),
		Roles:                  userRoles(u),
		Name:                   nameJSON{u.Name.First, u.Name.Middle, u.Name.Last},
		CreatedAt:              ts(u.CreatedAt),
		TrustedMetadata:        object(u.TrustedMetadata),
		UntrustedMetadata:      object(u.UntrustedMetadata),
		ExternalID:             u.ExternalID,
		LockCreatedAt:          tsPtr(u.LockCreatedAt),
		LockExpiresAt:          tsPtr(u.LockExpiresAt),
		Address:                u.Address,
		Birthdate:              u.Birthdate,
	}
	if e := u.Email; e != nil {
		j.Emails = append(j.Emails, emailJSON{e.ID, e.Address, e.Verified})
	}
	if p := u.Phone; p != nil {
		j.PhoneNumbers = append(j.PhoneNumbers, phoneJSON{p.ID, p.Number, p.Verified})
	}
	if p := u.Password; p != nil {
		j.Password = &passwordJSON{p.ID, p.RequiresReset}
	}
	for _, v := range u.Verifications {
		j.Verifications = append(j.Verifications, toVerificationJSON(v))
	}
	return j
}

// UserJSON is u as the Stytch User object (stytch-api.md §5.1) at now,
// for responses of other packages that embed a user.
func UserJSON(u store.User, now time.Time) any { return toUserJSON(u, now) }

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// object returns a stored JSON object, or {} for none.
func object(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return json.RawMessage("{}")
	}
	return m
}

type sessionJSON struct {
	SessionID             string          `json:"session_id"`
	UserID                string          `json:"user_id"`
	AuthenticationFactors []factorJSON    `json:"authentication_factors"`
	Roles                 []string        `json:"roles"`
	StartedAt             string          `json:"started_at"`
	LastAccessedAt        string          `json:"last_accessed_at"`
	ExpiresAt             string          `json:"expires_at"`
	Attributes            attributesJSON  `json:"attributes"`
	CustomClaims          json.RawMessage `json:"custom_claims"`
}

type attributesJSON struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

// factorJSON is an AuthenticationFactor: the common fields plus one
// detail object under its own key, e.g. "email_factor".
type factorJSON struct {
	f store.Factor
}

func (j factorJSON) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"type":                  j.f.Type,
		"delivery_method":       j.f.DeliveryMethod,
		"last_authenticated_at": ts(j.f.LastAuthenticatedAt),
		"created_at":            ts(j.f.CreatedAt),
		"updated_at":            ts(j.f.UpdatedAt),
	}
	if j.f.DetailName != "" && len(j.f.Detail) > 0 {
		m[j.f.DetailName] = j.f.Detail
	}
	return json.Marshal(m)
}

func toSessionJSON(s store.Session) sessionJSON {
	factors := make([]factorJSON, len(s.Factors))
	for i, f := range s.Factors {
		factors[i] = factorJSON{f}
	}
	return sessionJSON{
		SessionID:             s.ID,
		UserID:                s.UserID,
		AuthenticationFactors: factors,
		Roles:                 nonNil(s.Roles),
		StartedAt:             ts(s.StartedAt),
		LastAccessedAt:        ts(s.LastAccessedAt),
		ExpiresAt:             ts(s.ExpiresAt),
		Attributes:            attributesJSON{s.IPAddress, s.UserAgent},
		CustomClaims:          object(s.CustomClaims),
	}
}
