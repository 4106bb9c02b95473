package memberauth

import (
	"encoding/json"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// The Node SDK's MemberSession (types/lib/b2b/sessions.d.ts) and its
// AuthenticationFactor (types/lib/b2c/sessions.d.ts). Lists are never
// null.

type memberSessionJSON struct {
	MemberSessionID       string          `json:"member_session_id"`
	MemberID              string          `json:"member_id"`
	StartedAt             string          `json:"started_at"`
	LastAccessedAt        string          `json:"last_accessed_at"`
	ExpiresAt             string          `json:"expires_at"`
	AuthenticationFactors []factorJSON    `json:"authentication_factors"`
	OrganizationID        string          `json:"organization_id"`
	Roles                 []string        `json:"roles"`
	OrganizationSlug      string          `json:"organization_slug"`
	CustomClaims          json.RawMessage `json:"custom_claims"`
}

// factorJSON is an AuthenticationFactor: the common fields plus one
// detail object under its own key, e.g. "email_factor".
type factorJSON struct{ f store.Factor }

// MarshalJSON writes the factor as Stytch does.
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

func toMemberSessionJSON(s store.MemberSession, o store.Organization) memberSessionJSON {
	factors := make([]factorJSON, len(s.Factors))
	for i, f := range s.Factors {
		factors[i] = factorJSON{f}
	}
	roles := s.Roles
	if roles == nil {
		roles = []string{}
	}
	claims := s.CustomClaims
	if len(claims) == 0 {
		claims = json.RawMessage(`{}`)
	}
	return memberSessionJSON{
		MemberSessionID:       s.ID,
		MemberID:              s.MemberID,
		StartedAt:             ts(s.StartedAt),
		LastAccessedAt:        ts(s.LastAccessedAt),
		ExpiresAt:             ts(s.ExpiresAt),
		AuthenticationFactors: factors,
		OrganizationID:        s.OrganizationID,
		Roles:                 roles,
		OrganizationSlug:      o.Slug,
		CustomClaims:          claims,
	}
}

// ts formats a time as Stytch does: RFC 3339, UTC, whole seconds.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }
