package authorize

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/oidc"
)

// Sessions finds sessions by their credentials (*users.Service); an
// unknown one is users.ErrSessionNotFound.
type Sessions interface {
	SessionFromToken(ctx context.Context, projectID, token string) (store.Session, error)
	SessionFromJWT(ctx context.Context, projectID, jwt string) (store.Session, error)
}

// API serves Stytch's consent API (stytch-api.md §5.3), for applications
// that host their own authorization page and call Signet from their
// backend with HTTP Basic project_id:secret:
//
//	POST /v1/idp/oauth/authorize/start   validate a request: who, which client, is consent needed
//	POST /v1/idp/oauth/authorize         record the user's decision and get the redirect with a code
//
// Both run the Authorizer's validation, consent rules and code issuing, so
// a request behaves the same here as on the hosted page.
type API struct {
	Auth     *projects.Auth
	Core     *Authorizer
	Sessions Sessions
}

// Mount registers the routes on mux behind project authentication.
func (h *API) Mount(mux api.Router) {
	mux.Handle("POST /v1/idp/oauth/authorize/start", h.Auth.Wrap(h.start))
	mux.Handle("POST /v1/idp/oauth/authorize", h.Auth.Wrap(h.authorize))
}

// apiRequest is the body of both calls (authorize adds the last fields).
type apiRequest struct {
	ClientID     string   `json:"client_id"`
	RedirectURI  string   `json:"redirect_uri"`
	ResponseType string   `json:"response_type"`
	Scopes       []string `json:"scopes"`
	Prompt       string   `json:"prompt"`
	UserID       string   `json:"user_id"`
	SessionToken string   `json:"session_token"`
	SessionJWT   string   `json:"session_jwt"`

	ConsentGranted bool     `json:"consent_granted"`
	State          string   `json:"state"`
	Nonce          string   `json:"nonce"`
	CodeChallenge  string   `json:"code_challenge"`
	Resources      []string `json:"resources"` // accepted, not yet acted on
}

// params turns the body into authorization request parameters, so the API
// runs the very validation of the hosted endpoint. The Stytch API has no
// code_challenge_method: S256 is implied.
func (q apiRequest) params() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("client_id", q.ClientID)
	set("redirect_uri", q.RedirectURI)
	set("response_type", q.ResponseType)
	set("scope", strings.Join(q.Scopes, " "))
	set("prompt", q.Prompt)
	set("state", q.State)
	set("nonce", q.Nonce)
	set("code_challenge", q.CodeChallenge)
	if q.CodeChallenge != "" {
		v.Set("code_challenge_method", "S256")
	}
	return v
}

type clientJSON struct {
	ClientID          string `json:"client_id"`
	ClientName        string `json:"client_name"`
	ClientDescription string `json:"client_description"`
	ClientType        string `json:"client_type"`
	LogoURL           string `json:"logo_url"`
}

type scopeResult struct {
	Scope       string `json:"scope"`
	Description string `json:"description"`
	IsGrantable bool   `json:"is_grantable"`
}

type startResponse struct {
	UserID          string        `json:"user_id"`
	User            any           `json:"user"`
	Client          clientJSON    `json:"client"`
	ConsentRequired bool          `json:"consent_required"`
	ScopeResults    []scopeResult `json:"scope_results"`
	api.Meta
}

// start validates the request and reports what the application's page
// should show. Every problem is a 400 envelope here: there is nothing to
// redirect yet.
func (h *API) start(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var body apiRequest
	if err := api.Decode(w, r, &body); err != nil {
		return err
	}
	pre, err := h.Core.preflight(r.Context(), p, body, func(store.ConnectedApp) (grantor, error) { return h.subject(r.Context(), p, body) })
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &startResponse{
		UserID:          pre.g.User.ID,
		User:            users.UserJSON(pre.g.User, store.Now(h.Core.Now)),
		ConsentRequired: pre.consentRequired,
		Client:          pre.client,
		ScopeResults:    pre.scopeResults,
	})
	return nil
}

// preflighted is what the consent APIs' start reports, for either kind of
// grantor.
type preflighted struct {
	g               grantor
	client          clientJSON
	consentRequired bool
	scopeResults    []scopeResult
}

// preflight is the start of both consent APIs (users' and B2B members'):
// it validates the request, resolves the grantor with subject, and
// decides what the application's page should show. Every problem is a
// 400 envelope here: there is nothing to redirect yet.
func (a *Authorizer) preflight(ctx context.Context, p store.Project, body apiRequest, subject func(store.ConnectedApp) (grantor, error)) (*preflighted, error) {
	req, err := a.apiRequest(ctx, p, body)
	if err != nil {
		return nil, envelope(err)
	}
	g, err := subject(req.Client)
	if err != nil {
		return nil, err
	}
	// is_grantable: a scope Signet grants and, for a policy scope, one
	// the grantor's roles hold (Stytch's scope_results). Consent is decided
	// on what would be granted; if nothing would, consent_required is moot
	// and authorize answers invalid_scope.
	narrowErr := a.narrowFor(ctx, req, g)
	var oe *oidc.Error
	if narrowErr != nil && !errors.As(narrowErr, &oe) {
		return nil, api.Internal(narrowErr)
	}
	need, err := a.needsConsent(ctx, req, g)
	if err != nil {
		return nil, api.Internal(err)
	}
	out := &preflighted{
		g:               g,
		consentRequired: need && narrowErr == nil,
		client: clientJSON{
			ClientID:          req.Client.ClientID,
			ClientName:        req.Client.Name,
			ClientDescription: req.Client.Description,
			ClientType:        req.Client.Type,
			LogoURL:           req.Client.LogoURL,
		},
		scopeResults: make([]scopeResult, len(req.Requested)),
	}
	for i, s := range req.Requested {
		out.scopeResults[i] = scopeResult{Scope: s, Description: req.describe(s), IsGrantable: slices.Contains(req.Scopes, s)}
	}
	return out, nil
}

type authorizeResponse struct {
	RedirectURI       string `json:"redirect_uri"`
	AuthorizationCode string `json:"authorization_code,omitempty"`
	api.Meta
}

// authorize records the decision. A bad client or redirect_uri, or an
// unknown user or session, is a 400/404 envelope; OAuth errors after that
// (including a denied consent) come back inside redirect_uri, as an
// authorization endpoint would send them (stytch-api.md §5.3). A granted
// consent is remembered.
func (h *API) authorize(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var body apiRequest
	if err := api.Decode(w, r, &body); err != nil {
		return err
	}
	resp, err := h.Core.decide(r.Context(), p, body, func(store.ConnectedApp) (grantor, error) { return h.subject(r.Context(), p, body) })
	if err != nil {
		return err
	}
	// The body may carry a code: keep it out of caches (RFC 6749 §5.1).
	api.WriteNoStore(w, r, http.StatusOK, resp)
	return nil
}

// decide is the authorize call of both consent APIs: it validates the
// request, resolves the grantor with subject, and records the decision.
func (a *Authorizer) decide(ctx context.Context, p store.Project, body apiRequest, subject func(store.ConnectedApp) (grantor, error)) (*authorizeResponse, error) {
	req, err := a.apiRequest(ctx, p, body)
	var ce *clientError
	if errors.As(err, &ce) || req == nil {
		return nil, envelope(err)
	}
	g, gerr := subject(req.Client)
	if gerr != nil {
		return nil, gerr
	}
	resp := &authorizeResponse{}
	switch {
	case err != nil:
		var oe *oidc.Error
		if !errors.As(err, &oe) {
			return nil, api.Internal(err)
		}
		resp.RedirectURI = a.errorResponse(ctx, req, err).Location
	case !body.ConsentGranted:
		resp.RedirectURI = a.errorResponse(ctx, req, oidc.NewError(oidc.AccessDenied, "The user denied the request.")).Location
	default:
		code, to, err := a.issue(ctx, req, g)
		var oe *oidc.Error
		switch {
		case errors.As(err, &oe):
			// Nothing the user's roles allow was asked for (narrow).
			resp.RedirectURI = a.errorResponse(ctx, req, err).Location
		case err != nil:
			return nil, api.Internal(err)
		default:
			resp.RedirectURI, resp.AuthorizationCode = to.Location, code
		}
	}
	return resp, nil
}

// apiRequest validates the body as an authorization request of a client
// in the caller's project. prompt may only be consent: the caller has
// authenticated the user itself, so none and login mean nothing here.
func (a *Authorizer) apiRequest(ctx context.Context, p store.Project, body apiRequest) (*authzRequest, error) {
	if body.Prompt != "" && body.Prompt != "consent" {
		return nil, &clientError{"invalid_prompt", "prompt may only be \"consent\" in this API."}
	}
	req, err := a.parse(ctx, body.params())
	if req != nil && req.Client.ProjectID != p.ID {
		return nil, &clientError{"invalid_client_id", "No application is registered with this client_id."}
	}
	if err == nil && delivery(req.ResponseMode) == modeFormPost {
		// Defensive: the body has no response_mode today, and this API
		// answers with a URL, so a form post is the hosted endpoint's to
		// make. The error itself goes in the query.
		mode := req.ResponseMode
		req.ResponseMode = ""
		return req, invalid("response_mode %s is not supported by this API; use query or a redirect mode.", mode)
	}
	return req, err
}

// subject resolves exactly one of user_id, session_token, session_jwt to
// the user (and session) authorizing the request. A session links the
// code to it, and its auth time becomes the code's.
func (h *API) subject(ctx context.Context, p store.Project, body apiRequest) (grantor, error) {
	n := 0
	for _, s := range []string{body.UserID, body.SessionToken, body.SessionJWT} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return grantor{}, api.BadRequest("invalid_user_arguments", "Exactly one of user_id, session_token or session_jwt is required.")
	}
	var g grantor
	userID := body.UserID
	if userID == "" {
		var s store.Session
		var err error
		if body.SessionToken != "" {
			s, err = h.Sessions.SessionFromToken(ctx, p.ID, body.SessionToken)
		} else {
			s, err = h.Sessions.SessionFromJWT(ctx, p.ID, body.SessionJWT)
		}
		if err != nil {
			return grantor{}, users.APIError(err) // session_not_found, as sessions.authenticate says it
		}
		g.Session, userID = &s, s.UserID
	}
	u, err := h.Core.Store.User(ctx, p.ID, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return grantor{}, api.Errorf(http.StatusNotFound, "user_not_found", "User could not be found.")
	case err != nil:
		return grantor{}, api.Internal(err)
	}
	g.User = u
	return g, nil
}

// envelope turns a validation error into the Stytch envelope: a
// *clientError keeps its type, an OAuth error uses its code as error_type.
func envelope(err error) error {
	var ce *clientError
	if errors.As(err, &ce) {
		return api.BadRequest(ce.Type, "%s", ce.Message)
	}
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.Status < 500 {
		return api.BadRequest(string(oe.Code), "%s", oe.Description)
	}
	return api.Internal(err)
}
