package memberauth

import (
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
)

// DiscoveryHandler serves the B2B discovery routes (doc.go) for B2B
// projects, a thin layer over Discovery.
type DiscoveryHandler struct {
	Auth      *projects.Auth
	Discovery *Discovery
	ClientIP  clientip.Resolver
}

// Mount registers the routes behind project authentication.
func (h *DiscoveryHandler) Mount(mux api.Router) {
	for pattern, fn := range map[string]projects.HandlerFunc{
		"POST /v1/b2b/passwords/discovery/authenticate":         h.authenticatePassword,
		"POST /v1/b2b/discovery/organizations":                  h.organizations,
		"POST /v1/b2b/discovery/intermediate_sessions/exchange": h.exchange,
		"POST /v1/b2b/discovery/organizations/create":           h.createOrganization,
	} {
		mux.Handle(pattern, h.Auth.Wrap(func(w http.ResponseWriter, r *http.Request, p store.Project) error {
			if err := fn(w, r, p); err != nil {
				return APIError(err)
			}
			return nil
		}))
	}
}

// The SDK's DiscoveredOrganization, Membership, PrimaryRequired and
// MfaRequired (types/lib/b2b/discovery.d.ts, sessions.d.ts, mfa.d.ts).
type discoveredJSON struct {
	MemberAuthenticated bool                 `json:"member_authenticated"`
	Organization        any                  `json:"organization"`
	Membership          membershipJSON       `json:"membership"`
	PrimaryRequired     *primaryRequiredJSON `json:"primary_required"`
	MFARequired         *mfaRequiredJSON     `json:"mfa_required"`
}

type membershipJSON struct {
	Type    string            `json:"type"`
	Details map[string]string `json:"details"`
	Member  any               `json:"member"`
}

type primaryRequiredJSON struct {
	AllowedAuthMethods []string `json:"allowed_auth_methods"`
}

// mfaRequiredJSON: Signet starts no MFA step, so nothing is initiated
// and no member options are known.
type mfaRequiredJSON struct {
	MemberOptions          *struct{} `json:"member_options"`
	SecondaryAuthInitiated *string   `json:"secondary_auth_initiated"`
}

func toDiscovered(list []Membership) []discoveredJSON {
	out := make([]discoveredJSON, len(list))
	for i, ms := range list {
		d := discoveredJSON{MemberAuthenticated: ms.Authenticated, Organization: orgs.OrganizationObject(ms.Organization),
			Membership: membershipJSON{Type: ms.Type()}}
		if ms.Member != nil {
			d.Membership.Member = orgs.MemberObject(*ms.Member, ms.Organization)
		} else {
			d.Membership.Details = map[string]string{"domain": ms.Domain}
		}
		if ms.PrimaryRequired != nil {
			d.PrimaryRequired = &primaryRequiredJSON{AllowedAuthMethods: ms.PrimaryRequired}
		}
		if ms.MFARequired {
			d.MFARequired = &mfaRequiredJSON{}
		}
		out[i] = d
	}
	return out
}

type passwordDiscoveryRequest struct {
	EmailAddress string `json:"email_address"`
	Password     string `json:"password"`
}

type passwordDiscoveryResponse struct {
	api.Meta
	EmailAddress                      string           `json:"email_address"`
	IntermediateSessionToken          string           `json:"intermediate_session_token"`
	DiscoveredOrganizations           []discoveredJSON `json:"discovered_organizations"`
	IntermediateSessionTokenExpiresAt string           `json:"intermediate_session_token_expires_at"`
}

// authenticatePassword is POST /v1/b2b/passwords/discovery/authenticate.
func (h *DiscoveryHandler) authenticatePassword(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req passwordDiscoveryRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	is, list, err := h.Discovery.AuthenticatePassword(r.Context(), p.ID, req.EmailAddress, req.Password, h.ClientIP.Addr(r))
	if err != nil {
		return err
	}
	api.WriteNoStore(w, r, http.StatusOK, &passwordDiscoveryResponse{
		EmailAddress: is.Session.Email, IntermediateSessionToken: is.Token, DiscoveredOrganizations: toDiscovered(list),
		IntermediateSessionTokenExpiresAt: ts(is.Session.ExpiresAt),
	})
	return nil
}

type discoveryOrganizationsRequest struct {
	IntermediateSessionToken string `json:"intermediate_session_token"`
	SessionToken             string `json:"session_token"`
	SessionJWT               string `json:"session_jwt"`
}

type discoveryOrganizationsResponse struct {
	api.Meta
	EmailAddress            string           `json:"email_address"`
	DiscoveredOrganizations []discoveredJSON `json:"discovered_organizations"`
	OrganizationIDHint      *string          `json:"organization_id_hint"`
}

// organizations is POST /v1/b2b/discovery/organizations: exactly one of
// intermediate_session_token, session_token, session_jwt.
func (h *DiscoveryHandler) organizations(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req discoveryOrganizationsRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	n := (Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT}).Count()
	if req.IntermediateSessionToken != "" {
		n++
	}
	if n != 1 {
		return oneCredential(Credentials{SessionID: req.IntermediateSessionToken, SessionToken: req.SessionToken, SessionJWT: req.SessionJWT},
			"intermediate_session_token, session_token or session_jwt")
	}
	email, list, err := h.Discovery.Organizations(r.Context(), p.ID, DiscoverySubject{
		IntermediateSessionToken: req.IntermediateSessionToken,
		Session:                  Credentials{SessionToken: req.SessionToken, SessionJWT: req.SessionJWT},
	})
	if err != nil {
		return err
	}
	api.WriteNoStore(w, r, http.StatusOK, &discoveryOrganizationsResponse{EmailAddress: email, DiscoveredOrganizations: toDiscovered(list)})
	return nil
}

// discoveryAuthResponse is the body of intermediate_sessions.exchange and
// organizations.create: always a full member session (refusals are
// errors, as Signet has no further primary or MFA step to offer).
type discoveryAuthResponse struct {
	api.Meta
	MemberID                 string            `json:"member_id"`
	SessionToken             string            `json:"session_token"`
	SessionJWT               string            `json:"session_jwt"`
	Member                   any               `json:"member"`
	Organization             any               `json:"organization"`
	MemberAuthenticated      bool              `json:"member_authenticated"`
	IntermediateSessionToken string            `json:"intermediate_session_token"`
	MemberSession            memberSessionJSON `json:"member_session"`
	MFARequired              *mfaRequiredJSON  `json:"mfa_required"`
	PrimaryRequired          *struct{}         `json:"primary_required"`
}

func writeDiscoveryAuth(w http.ResponseWriter, r *http.Request, out Issued) {
	api.WriteNoStore(w, r, http.StatusOK, &discoveryAuthResponse{
		MemberID: out.Member.ID, SessionToken: out.Token, SessionJWT: out.JWT,
		Member: orgs.MemberObject(out.Member, out.Organization), Organization: orgs.OrganizationObject(out.Organization),
		MemberAuthenticated: true, MemberSession: toMemberSessionJSON(out.Session, out.Organization),
	})
}

type exchangeRequest struct {
	IntermediateSessionToken string          `json:"intermediate_session_token"`
	OrganizationID           string          `json:"organization_id"`
	SessionDurationMinutes   *int64          `json:"session_duration_minutes"`
	SessionCustomClaims      json.RawMessage `json:"session_custom_claims"`
	Locale                   string          `json:"locale"`
	TelemetryID              string          `json:"telemetry_id"`
}

// exchange is POST /v1/b2b/discovery/intermediate_sessions/exchange.
func (h *DiscoveryHandler) exchange(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req exchangeRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.IntermediateSessionToken == "" {
		return api.BadRequest("missing_intermediate_session_token", "intermediate_session_token is required.")
	}
	if req.OrganizationID == "" {
		return api.BadRequest("invalid_organization_id", "organization_id is required.")
	}
	out, err := h.Discovery.Exchange(r.Context(), p.ID, req.IntermediateSessionToken, req.OrganizationID,
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	writeDiscoveryAuth(w, r, out)
	return nil
}

type createOrganizationRequest struct {
	orgs.OrganizationRequest
	IntermediateSessionToken string          `json:"intermediate_session_token"`
	SessionDurationMinutes   *int64          `json:"session_duration_minutes"`
	SessionCustomClaims      json.RawMessage `json:"session_custom_claims"`
	TelemetryID              string          `json:"telemetry_id"`
}

// createOrganization is POST /v1/b2b/discovery/organizations/create. The
// organization's settings are organizations.create's (the Signet
// extension status included).
func (h *DiscoveryHandler) createOrganization(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createOrganizationRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.IntermediateSessionToken == "" {
		return api.BadRequest("missing_intermediate_session_token", "intermediate_session_token is required.")
	}
	out, err := h.Discovery.CreateOrganization(r.Context(), p.ID, req.IntermediateSessionToken, req.Fields(),
		SessionOptions{Duration: sessionDuration(req.SessionDurationMinutes), CustomClaims: req.SessionCustomClaims})
	if err != nil {
		return err
	}
	writeDiscoveryAuth(w, r, out)
	return nil
}
