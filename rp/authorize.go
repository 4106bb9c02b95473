package rp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// reserved are the authorization parameters the client sets itself;
// [WithParam] may not override them (the Node client lets extra parameters
// do so, which lets a caller silently drop state, PKCE or JARM).
var reserved = map[string]bool{
	"client_id": true, "redirect_uri": true, "response_type": true, "response_mode": true,
	"scope": true, "state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true,
	"request": true, "request_uri": true, "iss": true, "aud": true, "exp": true, "iat": true,
	"nbf": true, "jti": true, "identity_provider_id": true, "x-fapi-interaction-id": true,
}

// AuthOption adjusts one authorization request of
// [Bank.PushAuthorization].
type AuthOption func(*authRequest)

// authRequest is what the options set.
type authRequest struct {
	scopes []string
	idpID  string
	params url.Values
}

// WithIdentityProvider sends identity_provider_id: the idp_id the account
// selector returned with iss, which names the bank behind a shared issuer.
func WithIdentityProvider(id string) AuthOption {
	return func(r *authRequest) { r.idpID = id }
}

// WithScopes requests these scopes instead of [Config.Scopes].
func WithScopes(scopes ...string) AuthOption {
	return func(r *authRequest) { r.scopes = scopes }
}

// WithParam adds an authorization parameter such as "prompt",
// "idpartner_token" or "claims" (OIDC Core §5.5, as JSON text); a later
// WithParam of the same name replaces it. It may not name a parameter the
// client sets itself (state, nonce, PKCE, response_mode, …):
// [Bank.PushAuthorization] then fails with [ErrInvalidArgument].
func WithParam(name, value string) AuthOption {
	return func(r *authRequest) {
		if r.params == nil {
			r.params = url.Values{}
		}
		r.params.Set(name, value)
	}
}

// PushAuthorization pushes an authorization request to the bank's PAR
// endpoint (RFC 9126), a network call, and returns the URL to redirect the
// browser to: authorization_endpoint?client_id=…&request_uri=…, valid for
// the expires_in the bank set (60 s at IDPartner). RFC 9126 §4 sends the
// client_id with the request_uri, and OPs such as oidc-provider 9 refuse
// the request without it (the Node client sends request_uri alone).
//
// The request asks for [Config.Scopes] (or [WithScopes]) and always for
// response_type code, response_mode jwt (JARM), PKCE S256 and p's state
// and nonce; [WithIdentityProvider] and [WithParam] add to it.
//
// With [Config.Keys] the parameters travel in a PS256 request object
// (RFC 9101, typ oauth-authz-req+jwt) and the PAR form holds only request
// and client_id; without keys they are posted as form parameters.
func (b *Bank) PushAuthorization(ctx context.Context, p Proofs, opts ...AuthOption) (string, error) {
	c := b.c
	req := authRequest{scopes: c.cfg.Scopes}
	for _, o := range opts {
		o(&req)
	}
	if !p.valid() {
		return "", invalid(ErrInvalidArgument, "proofs are incomplete; use NewProofs")
	}
	if len(req.scopes) == 0 {
		return "", invalid(ErrInvalidArgument, "no scope requested")
	}
	for k := range req.params {
		if reserved[k] {
			return "", invalid(ErrInvalidArgument, "parameter "+k+" is set by the client")
		}
	}
	prov, err := c.provider(ctx, b.iss)
	if err != nil {
		return "", err
	}
	interaction := uuid4()
	params := map[string]string{
		"client_id":             c.cfg.ClientID,
		"redirect_uri":          c.cfg.RedirectURL,
		"response_type":         "code",
		"response_mode":         "jwt", // JARM §2.3.4; FAPI 1.0 Advanced §5.2.2
		"scope":                 strings.Join(req.scopes, " "),
		"state":                 p.State,
		"nonce":                 p.Nonce,
		"code_challenge":        p.CodeChallenge(),
		"code_challenge_method": "S256",
		"x-fapi-interaction-id": interaction,
	}
	if req.idpID != "" {
		params["identity_provider_id"] = req.idpID
	}
	for k := range req.params {
		params[k] = req.params.Get(k)
	}

	form := url.Values{"client_id": {c.cfg.ClientID}}
	if c.cfg.Keys != nil {
		ro, err := c.requestObject(prov.md.Issuer, params)
		if err != nil {
			return "", err
		}
		form.Set("request", ro)
	} else {
		for k, v := range params {
			form.Set(k, v)
		}
	}
	parURL := c.endpoint(prov.md.PushedAuthorizationRequestEndpoint, prov.mtls.PushedAuthorizationRequestEndpoint)
	hdr := http.Header{"X-Fapi-Interaction-Id": {interaction}}
	if err := c.authenticate(form, hdr, prov.md); err != nil {
		return "", err
	}
	status, rh, body, err := c.postForm(ctx, "par", parURL, form, hdr)
	if err != nil {
		return "", err
	}
	requestURI, err := parRequestURI(status, rh, body)
	if err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(prov.md.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	q := url.Values{"client_id": {c.cfg.ClientID}, "request_uri": {requestURI}}
	return prov.md.AuthorizationEndpoint + sep + q.Encode(), nil
}

// parRequestURI reads the request_uri of the PAR endpoint's answer.
func parRequestURI(status int, rh http.Header, body []byte) (string, error) {
	if status/100 != 2 {
		return "", errorFromResponse("par", status, rh, body)
	}
	// RFC 9126 §2.2: 201 Created with request_uri and expires_in.
	if status != http.StatusCreated {
		return "", invalid(ErrMalformed, "PAR endpoint did not answer 201 Created")
	}
	var res struct {
		RequestURI string   `json:"request_uri"`
		ExpiresIn  *float64 `json:"expires_in"`
	}
	if err := decodeJSON("par", rh, body, &res); err != nil {
		return "", err
	}
	if res.RequestURI == "" || res.ExpiresIn == nil || *res.ExpiresIn <= 0 {
		return "", invalid(ErrMalformed, "PAR response lacks request_uri or a positive expires_in")
	}
	return res.RequestURI, nil
}

// requestObject signs params as a RFC 9101 request object with the claims
// FAPI 1.0 Advanced §5.2.2 requires (iss, aud, exp, nbf) plus iat and jti.
// claims stays a JSON string, as the Node client sends it.
func (c *Client) requestObject(issuer string, params map[string]string) (string, error) {
	now := c.now().Unix()
	claims := map[string]any{
		"iss": c.cfg.ClientID, "aud": issuer, "jti": randomToken(),
		"iat": now, "nbf": now, "exp": now + 300,
	}
	for k, v := range params {
		claims[k] = v
	}
	return c.sign(claims, "oauth-authz-req+jwt")
}

// sign makes a compact PS256 JWS over claims with the client's signing key.
func (c *Client) sign(claims map[string]any, typ jose.ContentType) (string, error) {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(typ)
	}
	signer, err := jose.NewSigner(c.cfg.Keys.signingKey(), opts)
	if err != nil {
		return "", fmt.Errorf("rp: cannot use the signing key: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("rp: cannot sign: %w", err)
	}
	return jws.CompactSerialize()
}

// authenticate adds client authentication to a PAR or token request
// (openid-client 5.6.1 behaviour, see the protocol notes §3.5).
func (c *Client) authenticate(form url.Values, hdr http.Header, md oidc.Metadata) error {
	switch c.cfg.AuthMethod {
	case ClientSecretBasic:
		// RFC 6749 §2.3.1: both halves are form-urlencoded first.
		cred := url.QueryEscape(c.cfg.ClientID) + ":" + url.QueryEscape(string(c.cfg.ClientSecret))
		hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	case TLSClientAuth:
		// RFC 8705 §2: the certificate authenticates; client_id names it.
		form.Set("client_id", c.cfg.ClientID)
	case PrivateKeyJWT:
		// OIDC Core §9; RFC 7523 §3. The audience lists the issuer and the
		// token endpoint, which every OP accepts one of.
		now := c.now().Unix()
		aud := dedupe([]string{md.Issuer, md.TokenEndpoint})
		assertion, err := c.sign(map[string]any{
			"iss": c.cfg.ClientID, "sub": c.cfg.ClientID, "aud": aud,
			"jti": randomToken(), "iat": now, "exp": now + 60,
		}, "")
		if err != nil {
			return err
		}
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
	}
	return nil
}
