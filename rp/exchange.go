package rp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// TokenSet is the result of [Bank.Exchange] and [Bank.Refresh]. It never
// prints its tokens (String and GoString redact them).
type TokenSet struct {
	AccessToken  string
	TokenType    string // "Bearer"
	RefreshToken string
	// IDToken is the signed ID token (the inner JWS when it arrived
	// encrypted), already verified.
	IDToken string
	Expiry  time.Time // zero when the OP sent no expires_in
	Scope   string
	// Claims is the ID token payload.
	Claims map[string]any

	rawClaims []byte
}

// Subject returns the ID token's sub, or "" without an ID token.
func (ts *TokenSet) Subject() string {
	s, _ := ts.Claims["sub"].(string)
	return s
}

// DecodeClaims unmarshals the ID token payload into v.
func (ts *TokenSet) DecodeClaims(v any) error {
	if ts.rawClaims == nil {
		return invalid(ErrInvalidArgument, "token set has no ID token")
	}
	return json.Unmarshal(ts.rawClaims, v)
}

// Token returns the tokens as an [oauth2.Token], with id_token and
// scope in its extra values, for code built on that package.
func (ts *TokenSet) Token() *oauth2.Token {
	t := &oauth2.Token{AccessToken: ts.AccessToken, TokenType: ts.TokenType, RefreshToken: ts.RefreshToken, Expiry: ts.Expiry}
	return t.WithExtra(map[string]any{"id_token": ts.IDToken, "scope": ts.Scope})
}

func (ts TokenSet) String() string {
	return fmt.Sprintf("rp.TokenSet{sub: %q, scope: %q, expiry: %s, tokens: [redacted]}", ts.Subject(), ts.Scope, ts.Expiry.Format(time.RFC3339))
}

// GoString is String: %#v shows no token either.
func (ts TokenSet) GoString() string { return ts.String() }

// Exchange completes a login: it verifies the JWT-secured authorization
// response in callbackURL (the full URL or the request URI the browser came
// back on), redeems the code with the PKCE verifier, and verifies the ID
// token against p.Nonce.
//
// The response must be a JARM (response=… in the query):
// [Bank.PushAuthorization] always asks for response_mode=jwt, so a plain
// code/state answer means a downgrade and is refused, and so is an
// unsigned error. The JARM is checked per JARM §4.4 (issuer, audience,
// expiry) and its state compared to p.State in constant time before any
// error it carries is believed; an OP error comes back as *[OAuthError].
func (b *Bank) Exchange(ctx context.Context, callbackURL string, p Proofs) (*TokenSet, error) {
	c := b.c
	if !p.valid() {
		return nil, invalid(ErrInvalidArgument, "proofs are incomplete")
	}
	u, err := url.Parse(callbackURL)
	if err != nil {
		return nil, invalid(ErrMalformed, "callback URL does not parse")
	}
	q := u.Query()
	if len(q["response"]) != 1 || q.Get("response") == "" {
		return nil, invalid(ErrMalformed, "callback has no single JARM response parameter (response_mode=jwt is required)")
	}
	prov, err := c.provider(ctx, b.iss)
	if err != nil {
		return nil, err
	}
	cl, err := c.parseJARM(ctx, prov, q.Get("response"))
	if err != nil {
		return nil, err
	}
	if cl.State == "" || subtle.ConstantTimeCompare([]byte(cl.State), []byte(p.State)) != 1 {
		return nil, invalid(ErrStateMismatch, "authorization response state does not match")
	}
	if cl.Error != "" {
		return nil, &OAuthError{Code: cl.Error, Description: cl.ErrorDescription, URI: cl.ErrorURI}
	}
	if cl.Code == "" {
		return nil, invalid(ErrMalformed, "authorization response has no code")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {cl.Code},
		"redirect_uri":  {c.cfg.RedirectURL},
		"code_verifier": {p.CodeVerifier},
	}
	return c.tokenRequest(ctx, prov, form, p.Nonce, nil)
}

// Refresh uses prev.RefreshToken (RFC 6749 §6). A new ID token is verified
// without a nonce and must have prev's sub (OIDC Core §12.2). Without a new
// ID token, prev's ID token and claims are carried over; without a new
// refresh token, prev's is kept.
func (b *Bank) Refresh(ctx context.Context, prev *TokenSet) (*TokenSet, error) {
	if prev == nil || prev.RefreshToken == "" {
		return nil, invalid(ErrInvalidArgument, "no refresh token")
	}
	prov, err := b.c.provider(ctx, b.iss)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {prev.RefreshToken}}
	return b.c.tokenRequest(ctx, prov, form, "", prev)
}

// tokenRequest posts to the token endpoint and verifies the answer. nonce is
// empty for refreshes, where prev is set.
func (c *Client) tokenRequest(ctx context.Context, prov *provider, form url.Values, nonce string, prev *TokenSet) (*TokenSet, error) {
	hdr := http.Header{}
	if err := c.authenticate(form, hdr, prov.md); err != nil {
		return nil, err
	}
	status, rh, body, err := c.postForm(ctx, "token", c.endpoint(prov.md.TokenEndpoint, prov.mtls.TokenEndpoint), form, hdr)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, errorFromResponse("token", status, rh, body)
	}
	var res struct {
		AccessToken  string   `json:"access_token"`
		TokenType    string   `json:"token_type"`
		ExpiresIn    *float64 `json:"expires_in"`
		RefreshToken string   `json:"refresh_token"`
		IDToken      string   `json:"id_token"`
		Scope        string   `json:"scope"`
	}
	if err := decodeJSON("token", rh, body, &res); err != nil {
		return nil, err
	}
	// RFC 6749 §5.1; we only know how to use bearer tokens (RFC 6750).
	if res.AccessToken == "" || !strings.EqualFold(res.TokenType, "Bearer") {
		return nil, invalid(ErrMalformed, "token response lacks a Bearer access token")
	}
	ts := &TokenSet{AccessToken: res.AccessToken, TokenType: res.TokenType, RefreshToken: res.RefreshToken, Scope: res.Scope}
	if res.ExpiresIn != nil && *res.ExpiresIn > 0 {
		ts.Expiry = c.now().Add(time.Duration(*res.ExpiresIn) * time.Second)
	}
	if prev != nil {
		if ts.RefreshToken == "" {
			ts.RefreshToken = prev.RefreshToken
		}
		if ts.Scope == "" {
			ts.Scope = prev.Scope
		}
	}
	switch {
	case res.IDToken != "":
		jws, cl, raw, err := c.parseIDToken(ctx, prov, res.IDToken, nonce, res.AccessToken)
		if err != nil {
			return nil, err
		}
		if prev != nil && prev.Subject() != "" && cl.Sub != prev.Subject() {
			return nil, invalid(ErrSubjectMismatch, "refreshed ID token has another sub")
		}
		ts.IDToken, ts.rawClaims = jws, raw
		if err := json.Unmarshal(raw, &ts.Claims); err != nil {
			return nil, invalidf(ErrMalformed, err, "ID token claims are malformed")
		}
	case prev != nil:
		ts.IDToken, ts.Claims, ts.rawClaims = prev.IDToken, prev.Claims, prev.rawClaims
	default:
		// The login's purpose is the bank's identity assertion.
		return nil, invalid(ErrMalformed, "token response has no id_token")
	}
	return ts, nil
}
