package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// authzRequest is a validated authorization request (RFC 6749 §4.1.1, OpenID
// Connect Core §3.1.2.1). Only what passed validation is here.
type authzRequest struct {
	Client      store.ConnectedApp
	RedirectURI string // exactly as sent; one of the client's registered URLs
	State       string // echoed verbatim in every response
	// Requested is the scope parameter split on spaces; Scopes is the part
	// of it Signet grants (known scopes, in a fixed order).
	Requested []string
	Scopes    []string
	// policy is the client's project's RBAC policy when the Authorizer has
	// Policies: its scopes are requestable, granted only to users whose
	// roles hold them (narrow).
	policy        *rbac.Compiled
	Nonce         string
	CodeChallenge string // RFC 7636 S256 challenge, or ""
	Prompt        prompts
	MaxAge        int // seconds; -1 when absent
	LoginHint     string
	// HintSubject is the sub of a verified id_token_hint, or "".
	HintSubject string
	Claims      json.RawMessage // OpenID Connect Core §5.5 claims request, or nil
	// ACRs are the acr values asked for, preferred first (acr.go).
	ACRs []string
	// DPoPJKT binds the code to a DPoP key (RFC 9449 §10), or "".
	DPoPJKT string
	// ResponseMode is "" (query), "query", "form_post", or a JARM mode
	// (jarm.go).
	ResponseMode string

	// RequesterName is the application an intermediary client acts for
	// (oidc.ParamRequesterName), or "": the pages name the client as
	// "<RequesterName> via <client name>".
	RequesterName string

	// carried is the request's parameters, re-sent by the login and
	// consent forms and validated again when they come back: for a pushed
	// request, its client_id and request_uri.
	carried url.Values
	// pushed is the request_uri of a pushed request (RFC 9126), or "":
	// its one use is spent when the authorization completes.
	pushed string
}

// prompts is the prompt parameter (OpenID Connect Core §3.1.2.1).
type prompts struct {
	None, Login, Consent bool
	// SelectAccount is treated as Login: signing in is how a user picks
	// an account on this page.
	SelectAccount bool
}

// clientError is a request that must not be answered at its redirect_uri,
// because the client or the redirect_uri cannot be trusted (RFC 6749
// §4.1.2.1, OpenID Connect Core §3.1.2.6): the hosted endpoint shows an
// error page, the consent API a 400 envelope.
type clientError struct {
	Type    string // Stytch error_type
	Message string
}

func (e *clientError) Error() string { return e.Type + ": " + e.Message }

// carriedParams are the parameters the login and consent forms carry;
// everything else in a request is ignored (RFC 6749 §3.1).
var carriedParams = []string{
	"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "max_age", "id_token_hint", "login_hint", "claims",
	"acr_values", "dpop_jkt", oidc.ParamRequesterName,
}

// parse validates an authorization request's parameters in the order that
// decides where an error may go: first the client and redirect_uri (a
// *clientError: never redirected), then everything else (an *oidc.Error,
// sent to the redirect_uri, with the returned request filled enough for
// that).
func (a *Authorizer) parse(ctx context.Context, params url.Values) (*authzRequest, error) {
	// Text first (api.ValidText): a request carried by a form or the bank
	// flow is decoded again here, and none of it may reach the store or
	// come back in a redirect unless it is text.
	if !api.ValidValues(params) {
		return nil, &clientError{"invalid_request", "The authorization request holds text that is not valid UTF-8, or a NUL."}
	}
	// RFC 6749 §3.1: parameters must not be repeated. Repeating client_id
	// or redirect_uri makes it unclear where to send anything.
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(params[k]) > 1 {
			return nil, &clientError{"invalid_request", "The " + k + " parameter was sent more than once."}
		}
	}
	client, err := a.client(ctx, params.Get("client_id"))
	if err != nil {
		return nil, err
	}
	redirectURI := params.Get("redirect_uri")
	switch {
	case redirectURI == "":
		// OpenID Connect Core §3.1.2.1 requires redirect_uri; Signet
		// requires it of plain OAuth requests too, rather than guessing
		// from the registration (RFC 6749 §3.1.2.3 allows either).
		return nil, &clientError{"invalid_redirect_uri", "The request has no redirect_uri, which is required."}
	case !apps.RedirectMatches(client, redirectURI):
		return nil, &clientError{"invalid_redirect_uri",
			"The redirect_uri is not one registered for this application, so the response cannot be sent back to it."}
	}
	req := &authzRequest{Client: client, RedirectURI: redirectURI, State: params.Get("state"), MaxAge: -1, carried: url.Values{}}
	for _, k := range carriedParams {
		if v, ok := params[k]; ok {
			req.carried[k] = v
		}
	}
	return req, a.check(ctx, req, params)
}

// client finds an active client by ID.
func (a *Authorizer) client(ctx context.Context, id string) (store.ConnectedApp, error) {
	if id == "" {
		return store.ConnectedApp{}, &clientError{"invalid_client_id", "The request has no client_id."}
	}
	c, err := a.Clients.Lookup(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && c.Status != "active"):
		return store.ConnectedApp{}, &clientError{"invalid_client_id", "No application is registered with this client_id."}
	case err != nil:
		return store.ConnectedApp{}, err
	}
	return c, nil
}

func invalid(format string, args ...any) *oidc.Error {
	return oidc.NewError(oidc.InvalidRequest, fmtDescription(format, args...))
}

// check validates the parameters after client and redirect_uri.
func (a *Authorizer) check(ctx context.Context, req *authzRequest, params url.Values) error {
	// Request objects are not supported yet: refusing them is allowed,
	// ignoring them is not (OpenID Connect Core §6.1, §6.2; conformance
	// checklist §7.8).
	if params.Has("request") {
		return oidc.NewError(oidc.RequestNotSupported, "Request objects (the request parameter) are not supported.")
	}
	if params.Has("request_uri") {
		return oidc.NewError(oidc.RequestURINotSupported, "The request_uri parameter is not supported.")
	}
	for k, v := range params {
		if len(v) > 1 {
			return invalid("The %s parameter was sent more than once (RFC 6749 section 3.1).", k)
		}
	}
	// response_mode first, so that the errors below already travel the
	// way the client asked (JARM §2.3: errors too).
	rules := apps.RulesOf(req.Client)
	var err error
	if req.ResponseMode, err = a.clientResponseMode(params.Get("response_mode"), rules); err != nil {
		return err
	}
	switch rt := params.Get("response_type"); rt {
	case "code":
	case "":
		return invalid("The response_type parameter is required.")
	default:
		return oidc.NewError(oidc.UnsupportedResponseType, "Only response_type=code is supported.")
	}
	if err := a.checkScopes(ctx, req, params); err != nil {
		return err
	}
	if err := checkPKCE(req, params, rules.RequirePKCE); err != nil {
		return err
	}
	if req.Prompt, err = parsePrompt(params.Get("prompt")); err != nil {
		return err
	}
	if s := params.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return invalid("max_age must be a non-negative number of seconds.")
		}
		req.MaxAge = n
	}
	if c := params.Get("claims"); c != "" {
		if err := checkClaimsRequest(c); err != nil {
			return err
		}
		req.Claims = json.RawMessage(c)
	}
	if err := readOthers(req, params); err != nil {
		return err
	}
	if hint := params.Get("id_token_hint"); hint != "" {
		if req.HintSubject, err = a.hintSubject(ctx, req.Client.ProjectID, hint); err != nil {
			return err
		}
	}
	return nil
}

// checkScopes reads the requested scopes and keeps those this server or
// the project's RBAC policy grants.
func (a *Authorizer) checkScopes(ctx context.Context, req *authzRequest, params url.Values) error {
	req.Requested = splitScope(params.Get("scope"))
	var err error
	if req.policy, err = a.policyOf(ctx, req.Client.ProjectID); err != nil {
		return err
	}
	req.Scopes = offeredScopes(req.Requested, req.policy)
	if len(req.Scopes) == 0 {
		return oidc.NewError(oidc.InvalidScope, "The request asks for no scope this server grants; use openid, profile, email, phone, offline_access or a scope of the project's RBAC policy.")
	}
	return nil
}

// clientResponseMode is responseMode for a client held to rules: FAPI 2.0
// Message Signing §5.4.1 makes the authorization response a JWT, and no
// response_mode then means JARM's own default, jwt (JARM §2.3.4).
func (a *Authorizer) clientResponseMode(m string, rules apps.Rules) (string, error) {
	mode, err := a.responseMode(m)
	switch {
	case err != nil || !rules.RequireJARM:
		return mode, err
	case m == "" && a.ResponseKeys != nil:
		return "jwt", nil
	case !isJARM(mode):
		return "", invalid("This application must receive JWT-secured authorization responses: use response_mode=jwt (FAPI 2.0 Message Signing section 5.4.1).")
	}
	return mode, nil
}

// responseMode is the response_mode m asks for, "" for query (the default).
func (a *Authorizer) responseMode(m string) (string, error) {
	switch {
	case m == "" || m == "query":
		return "", nil
	case m == modeFormPost:
		return m, nil
	case isJARM(m) && a.ResponseKeys != nil:
		return m, nil
	case isJARM(m):
		return "", invalid("Only response_mode=query and form_post are supported.")
	default:
		return "", invalid("Only response_mode=query, form_post, jwt, query.jwt, fragment.jwt and form_post.jwt are supported.")
	}
}

// checkPKCE applies RFC 7636 with the RFC 9700 §2.1.1 rules: only S256
// (a challenge without a method means plain, which is refused), and a
// public client must send a challenge; so must every client when required
// (FAPI 2.0 SP §5.3.2.2-5: PKCE with S256 for all clients).
func checkPKCE(req *authzRequest, params url.Values, required bool) error {
	challenge, method := params.Get("code_challenge"), params.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return invalid("code_challenge_method was sent without a code_challenge.")
	case challenge == "" && apps.IsPublic(req.Client):
		return invalid("Public clients must use PKCE: send code_challenge and code_challenge_method=S256 (RFC 9700 section 2.1.1).")
	case challenge == "" && required:
		return invalid("This application must use PKCE: send code_challenge and code_challenge_method=S256 (FAPI 2.0 SP section 5.3.2.2).")
	case challenge == "":
		return nil
	case method != "S256":
		return invalid("Only code_challenge_method=S256 is supported (RFC 9700 section 2.1.1); plain or a missing method is refused.")
	case !isS256Challenge(challenge):
		return invalid("code_challenge must be the 43-character base64url SHA-256 of the code_verifier (RFC 7636 section 4.2).")
	}
	req.CodeChallenge = challenge
	return nil
}

// isS256Challenge reports whether s is BASE64URL-ENCODE(SHA256(...))
// without padding: 43 characters of the base64url alphabet.
func isS256Challenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		base64url := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
		if !base64url {
			return false
		}
	}
	return true
}

// parsePrompt reads the space-separated prompt values. none cannot be
// combined with any other (OpenID Connect Core §3.1.2.1). Values this
// server does not know (such as create) are ignored.
func parsePrompt(s string) (prompts, error) {
	var p prompts
	n := 0
	for _, v := range strings.Split(s, " ") {
		switch v {
		case "":
			continue
		case "none":
			p.None = true
		case "login":
			p.Login = true
		case "consent":
			p.Consent = true
		case "select_account":
			p.SelectAccount = true
		default:
			continue
		}
		n++
	}
	if p.None && n > 1 {
		return p, invalid("prompt=none cannot be combined with other prompt values.")
	}
	return p, nil
}

// checkClaimsRequest checks the shape of a claims parameter (OpenID
// Connect Core §5.5): a JSON object whose id_token and userinfo members,
// when present, are objects. Other members, and claim names Signet does
// not know, are left for the token side to ignore.
func checkClaimsRequest(c string) error {
	var bad *oidc.ClaimsRequestError
	if _, err := oidc.ParseClaimsRequest([]byte(c)); errors.As(err, &bad) {
		if bad.Member == "" {
			return invalid("The claims parameter must be a JSON object (OpenID Connect Core section 5.5).")
		}
		return invalid("The claims parameter's %s member must be a JSON object (OpenID Connect Core section 5.5).", bad.Member)
	}
	return nil
}

// readOthers reads the parameters that need no lookup: nonce,
// login_hint, requester_name, acr_values and dpop_jkt.
func readOthers(req *authzRequest, params url.Values) error {
	req.Nonce = params.Get("nonce")
	req.LoginHint = params.Get("login_hint")
	var err error
	if req.RequesterName, err = requesterName(params.Get(oidc.ParamRequesterName)); err != nil {
		return err
	}
	req.ACRs = requestedACRs(params)
	if req.DPoPJKT = params.Get("dpop_jkt"); req.DPoPJKT != "" && !isS256Challenge(req.DPoPJKT) {
		// A JWK SHA-256 thumbprint: 43 base64url characters, as an S256
		// challenge is (RFC 9449 §10, RFC 7638).
		return invalid("dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 section 10).")
	}
	return nil
}

// requesterName checks oidc.ParamRequesterName: one line of printable
// text, at most oidc.MaxRequesterName characters, spaces trimmed.
func requesterName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > oidc.MaxRequesterName {
		return "", invalid("requester_name may be at most %d characters.", oidc.MaxRequesterName)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", invalid("requester_name must be one line of printable text.")
		}
	}
	return s, nil
}
