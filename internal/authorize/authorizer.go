package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/oidc"
)

// Clients finds Connected Apps by client_id in any project
// (*apps.ConnectedClients).
type Clients interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
}

// Store is the storage the authorization endpoint uses.
type Store interface {
	User(ctx context.Context, projectID, idOrExternalID string) (store.User, error)
	Consent(ctx context.Context, projectID, userID, clientID string) (store.Consent, error)
	MemberConsent(ctx context.Context, projectID, memberID, clientID string) (store.Consent, error)
	CreateAuthCode(ctx context.Context, c store.AuthCode, consent *store.Consent) error
	Project(ctx context.Context, id string) (store.Project, error)
}

// Verifier checks the signature of a JWT a project's keys made
// (*keys.Manager).
type Verifier interface {
	Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error)
}

// Authorizer is the one core of both authorization front ends, the consent
// API and the hosted endpoint: it validates requests, decides whether the
// user must sign in or consent, and issues codes.
type Authorizer struct {
	// Issuer is the iss of every authorization response (RFC 9207) and of
	// the ID tokens accepted as id_token_hint.
	Issuer  string
	Clients Clients
	Store   Store
	Keys    Verifier
	Pepper  secrets.Pepper // hashes codes
	// CodeTTL is how long a code may be redeemed (default 60s, the most
	// FAPI 2.0 allows; RFC 6749 §4.1.2 recommends at most ten minutes).
	CodeTTL time.Duration
	// Pushed keeps PAR requests; nil: request_uri is not supported.
	Pushed PushedRequests
	// ClientKeys verifies request objects (RFC 9101) and JTIs stops their
	// replay; ClientKeys nil: the request parameter is not supported.
	ClientKeys *clientauth.KeySets
	JTIs       clientauth.JTIs
	// ResponseKeys signs JARM responses; nil: response_mode jwt is refused.
	ResponseKeys ResponseSigner
	// Policies gives projects' RBAC policies, whose scopes Connected Apps
	// may request (policy_scopes.go); nil: only Signet's own scopes.
	Policies Policies
	Now      func() time.Time // default time.Now
}

// DefaultCodeTTL is Authorizer.CodeTTL when unset.
const DefaultCodeTTL = 60 * time.Second

// hintSubject verifies an id_token_hint and returns its sub. The hint
// must be signed (RS256, the ID token algorithm) by one of the client's
// project's published keys and carry this issuer; its exp is not checked,
// since an OP must accept its own expired ID tokens as hints (OpenID
// Connect Core §3.1.2.1). A hint only names the expected user; it grants
// nothing.
func (a *Authorizer) hintSubject(ctx context.Context, projectID, hint string) (string, error) {
	// Any algorithm an ID token of ours may be signed with. A client whose
	// ID tokens are encrypted sends the signed token it decrypted (OpenID
	// Connect Core §3.1.2.1, id_token_hint).
	payload, _, err := a.Keys.Verify(ctx, projectID, hint, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if errors.Is(err, keys.ErrInvalidToken) {
		return "", invalid("id_token_hint is not an ID token issued by this server.")
	} else if err != nil {
		return "", err
	}
	var c struct {
		Issuer  string `json:"iss"`
		Subject string `json:"sub"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Issuer != a.Issuer || c.Subject == "" {
		return "", invalid("id_token_hint is not an ID token issued by this server.")
	}
	return c.Subject, nil
}

// needsLogin reports whether the user must sign in (again) before the
// request can go on: no session; prompt=login or select_account; a
// session older than max_age (OpenID Connect Core §3.1.2.1); or an
// id_token_hint naming someone else.
func (a *Authorizer) needsLogin(req *authzRequest, s *store.Session) bool {
	switch {
	case s == nil, req.Prompt.Login, req.Prompt.SelectAccount:
		return true
	case req.MaxAge >= 0 && store.Now(a.Now).Sub(users.AuthTime(*s)) >= time.Duration(req.MaxAge)*time.Second:
		// ">=" so that max_age=0 always asks, as prompt=login does.
		return true
	case req.HintSubject != "" && req.HintSubject != s.UserID:
		return true
	}
	return false
}

// needsConsent decides whether the user must be asked:
//   - prompt=consent always asks;
//   - first-party clients need no consent, except for offline_access
//     (OpenID Connect Core §11) unless the client has
//     bypass_consent_for_offline_access;
//   - third-party clients need consent unless a remembered consent covers
//     every requested scope.
//
// Whatever was asked, a remembered consent covering the scopes answers it.
func (a *Authorizer) needsConsent(ctx context.Context, req *authzRequest, g grantor) (bool, error) {
	if req.Prompt.Consent {
		return true, nil
	}
	need := req.Scopes
	if apps.IsFirstParty(req.Client) {
		if !covers(req.Scopes, []string{ScopeOfflineAccess}) || req.Client.BypassConsentForOfflineAccess {
			return false, nil
		}
		need = []string{ScopeOfflineAccess}
	}
	var (
		c   store.Consent
		err error
	)
	if g.Member != nil {
		// A member's consent is its own, in its organization.
		c, err = a.Store.MemberConsent(ctx, req.Client.ProjectID, g.Member.ID, req.Client.ClientID)
	} else {
		c, err = a.Store.Consent(ctx, req.Client.ProjectID, g.User.ID, req.Client.ClientID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	return !covers(c.Scopes, need), nil
}

// grantor is who authorized a request: the user, and the session they did it
// with (nil through the consent API called with a user_id); or, through
// the B2B consent API, a member of an organization and its member session
// (nil when called with organization_id and member_id).
type grantor struct {
	User    store.User
	Session *store.Session

	Member        *store.Member
	Org           *store.Organization
	MemberSession *store.MemberSession
}

// memberAuthTime is when the member last authenticated in its session:
// its start, or a later factor's (as users.AuthTime for users).
func memberAuthTime(s store.MemberSession) time.Time {
	t := s.StartedAt
	for _, f := range s.Factors {
		if f.LastAuthenticatedAt.After(t) {
			t = f.LastAuthenticatedAt
		}
	}
	return t
}

// issue remembers the user's consent to the scopes and makes a code for
// the request (RFC 6749 §4.1.2). It returns the code and the response.
//
// Every issued code records its scopes as consented, so the user's
// connected_apps list shows every client they authorized and revoking it
// reaches every grant. For first-party clients that skipped the consent
// page this records nothing the rules of needsConsent would have asked
// about: offline_access is only issued to them after consent or with the
// bypass.
func (a *Authorizer) issue(ctx context.Context, req *authzRequest, g grantor) (code string, resp authzResponse, err error) {
	// Whoever called, the grant holds only what the user's roles allow.
	if err := a.narrowFor(ctx, req, g); err != nil {
		return "", authzResponse{}, err
	}
	now := store.Now(a.Now)
	ttl := a.CodeTTL
	if ttl <= 0 {
		ttl = DefaultCodeTTL
	}
	if max := apps.RulesOf(req.Client).MaxCodeLifetime; max > 0 && ttl > max {
		ttl = max // FAPI 2.0 SP §5.3.2.1: at most 60 s
	}
	// 256 bits from crypto/rand: far above the 128 bits RFC 6749 §10.10
	// asks for, and the conformance suite's entropy check.
	code = secrets.New("")
	c := store.AuthCode{
		Hash:          a.Pepper.Hash(code),
		ProjectID:     req.Client.ProjectID,
		ClientID:      req.Client.ClientID,
		UserID:        g.User.ID,
		RedirectURI:   req.RedirectURI,
		Scopes:        req.Scopes,
		Nonce:         req.Nonce,
		CodeChallenge: req.CodeChallenge,
		Claims:        req.Claims,
		CreatedAt:     now,
		ExpiresAt:     now.Add(ttl),
	}
	if g.Session != nil {
		c.SessionID = g.Session.ID
		c.AuthTime = users.AuthTime(*g.Session)
	}
	consent := store.Consent{
		ProjectID: req.Client.ProjectID, UserID: g.User.ID, ClientID: req.Client.ClientID,
		Scopes: req.Scopes, GrantedAt: now, UpdatedAt: now,
	}
	if g.Member != nil {
		c.UserID, c.MemberID, c.OrganizationID = "", g.Member.ID, g.Org.ID
		consent.UserID, consent.MemberID, consent.OrganizationID = "", g.Member.ID, g.Org.ID
		if g.MemberSession != nil {
			c.SessionID = g.MemberSession.ID
			c.AuthTime = memberAuthTime(*g.MemberSession)
		}
	}
	c.ACR = chooseACR(req.ACRs, g.Session)
	c.DPoPJKT = req.DPoPJKT
	// The consent goes in the code's transaction: one commit per
	// authorization, and no code without its consent or the reverse.
	if err := a.Store.CreateAuthCode(ctx, c, &consent); err != nil {
		return "", authzResponse{}, fmt.Errorf("store authorization code: %w", err)
	}
	return code, a.respond(ctx, req, "code", code), nil
}

// authzResponse is an authorization response on its way to the client:
// a redirect to Location, or, in the form_post modes, a form the browser
// posts to Action with the parameters Fields (name, value pairs).
type authzResponse struct {
	Location string
	Action   string
	Fields   []string
}

// errorResponse is the response carrying an OAuth error (RFC 6749
// §4.1.2.1; inside the JWT in the JARM modes, JARM §2.2). Internal causes
// stay out of it: anything but an *oidc.Error becomes server_error, or
// temporarily_unavailable when the store did not answer (api.OAuthError).
func (a *Authorizer) errorResponse(ctx context.Context, req *authzRequest, err error) authzResponse {
	e := api.OAuthError(err)
	if e.Description == "" {
		return a.respond(ctx, req, "error", string(e.Code))
	}
	return a.respond(ctx, req, "error", string(e.Code), "error_description", cleanDescription(e.Description))
}

// respond adds state and iss to the response parameters kv and delivers
// them as the request's response_mode asks: in the redirect_uri's query
// (kept byte for byte, RFC 6749 §3.1.2; registered URIs have no
// fragment), in its fragment, or as a form post. iss is in every
// response, success or error (RFC 9207 §2).
//
// In the JARM modes the parameters travel in one JWT (jarm.go), the only
// parameter, response. If that cannot be made, the client gets a plain
// server_error the same way instead (FAPI JARM lets error responses be
// plain).
func (a *Authorizer) respond(ctx context.Context, req *authzRequest, kv ...string) authzResponse {
	kv = append([]string(nil), kv...)
	if isJARM(req.ResponseMode) && a.ResponseKeys != nil {
		jwt, err := a.jarmJWT(ctx, req, kv)
		if err == nil {
			return deliver(req.RedirectURI, delivery(req.ResponseMode), []string{"response", jwt})
		}
		api.Logger(ctx).ErrorContext(ctx, "jarm response failed", "client_id", req.Client.ClientID, "err", err)
		kv = []string{"error", string(oidc.ServerError), "error_description", "The response could not be signed."}
	}
	if req.State != "" {
		kv = append(kv, "state", req.State)
	}
	kv = append(kv, "iss", a.Issuer)
	return deliver(req.RedirectURI, delivery(req.ResponseMode), kv)
}

// deliver puts the parameters kv in the redirect_uri's query or fragment,
// or in a form posting to it.
func deliver(redirectURI, how string, kv []string) authzResponse {
	if how == modeFormPost {
		return authzResponse{Action: redirectURI, Fields: kv}
	}
	var b strings.Builder
	b.WriteString(redirectURI)
	sep := "&"
	switch {
	case how == modeFragment:
		sep = "#"
	case strings.HasSuffix(redirectURI, "?"):
		sep = ""
	case !strings.Contains(redirectURI, "?"):
		sep = "?"
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(sep)
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
		sep = "&"
	}
	return authzResponse{Location: b.String()}
}

// fmtDescription formats an error_description.
func fmtDescription(format string, args ...any) string {
	return cleanDescription(fmt.Sprintf(format, args...))
}

// cleanDescription keeps only the characters RFC 6749 §4.1.2.1 allows in
// error_description (%x20-21 / %x23-5B / %x5D-7E: no quote, no backslash,
// ASCII only).
func cleanDescription(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20:
			return ' ' // line breaks and tabs
		case r > 0x7e || r == '"' || r == '\\':
			return -1
		}
		return r
	}, s)
}
