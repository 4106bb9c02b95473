package clientauth

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// AssertionAlgs are the signature algorithms of client assertions (FAPI
// 2.0 SP §5.4: PS256 or ES256; never RS256, never none).
var AssertionAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256}

// Limits on a client assertion's lifetime and the clock skew tolerated.
const (
	MaxAssertionLifetime = 5 * time.Minute
	clockSkew            = 60 * time.Second
)

// assertionClaims are the RFC 7523 §3 claims.
type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Nbf *float64        `json:"nbf"`
	Iat *float64        `json:"iat"`
	Jti string          `json:"jti"`
}

// Audiences reads an aud claim: a string or an array of strings.
func Audiences(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errors.New("aud is neither a string nor an array of strings")
	}
	return many, nil
}

// verifyAssertion authenticates a private_key_jwt client (RFC 7523 §3,
// OIDC Core §9): the client is named by iss = sub (and by client_id, if
// sent, which must agree), the signature is by one of its keys, aud names
// this server, exp is near, and the jti is new.
func (a *Authenticator) verifyAssertion(ctx context.Context, assertion, clientID string, audiences []string) (store.ConnectedApp, error) {
	jws, err := jose.ParseSignedCompact(assertion, AssertionAlgs)
	if err != nil {
		return store.ConnectedApp{}, errBadClient("assertion: " + err.Error())
	}
	// The claims name the client before the signature can be checked, so
	// they are outside text like any form field (api.ValidJSONText); the
	// verified payload below is the same bytes, its jti checked with them.
	raw := jws.UnsafePayloadWithoutVerification()
	if !api.ValidJSONText(raw) {
		return store.ConnectedApp{}, errBadClient("assertion payload holds text that is not valid UTF-8, or a NUL")
	}
	var unverified assertionClaims
	if err := json.Unmarshal(raw, &unverified); err != nil {
		return store.ConnectedApp{}, errBadClient("assertion payload is not JSON")
	}
	if unverified.Iss == "" || unverified.Iss != unverified.Sub {
		return store.ConnectedApp{}, errBadClient("assertion iss and sub must both be the client_id")
	}
	if clientID != "" && clientID != unverified.Sub {
		return store.ConnectedApp{}, invalidRequest("The client_id parameter does not match the client assertion.")
	}
	app, err := a.lookup(ctx, unverified.Sub)
	if err != nil {
		return store.ConnectedApp{}, err
	}
	payload, _, err := a.Keys.Verify(ctx, app, assertion, AssertionAlgs)
	if err != nil {
		if errors.Is(err, ErrNoKeys) {
			return store.ConnectedApp{}, errBadClient("private_key_jwt client without keys")
		}
		return store.ConnectedApp{}, errBadClient("assertion signature: " + err.Error())
	}
	var c assertionClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return store.ConnectedApp{}, errBadClient("assertion payload is not JSON")
	}
	if err := a.checkAssertionClaims(c, audiences, apps.RulesOf(app).IssuerAudienceOnly); err != nil {
		return store.ConnectedApp{}, err
	}
	exp := time.Unix(int64(*c.Exp), 0)
	// RFC 7523 §3 item 7: a jti is used once. Remembered until exp (plus
	// skew, after which the assertion is refused as expired anyway).
	if err := a.JTIs.UseJTI(ctx, app.ClientID, c.Jti, exp.Add(clockSkew)); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			return store.ConnectedApp{}, errBadClient("assertion jti replayed")
		}
		return store.ConnectedApp{}, oidc.Errorf(oidc.ServerError, "The client assertion could not be recorded.", err)
	}
	return app, nil
}

// checkAssertionClaims checks the claims of a verified assertion.
// audiences[0] is the issuer; issuerOnly (FAPI 2.0 SP §5.3.2.1-8) accepts
// it alone, as a JSON string: not in an array, not the endpoint's URL.
func (a *Authenticator) checkAssertionClaims(c assertionClaims, audiences []string, issuerOnly bool) error {
	now := a.now()
	if c.Exp == nil {
		return errBadClient("assertion without exp")
	}
	exp := time.Unix(int64(*c.Exp), 0)
	if !now.Before(exp.Add(clockSkew)) {
		return errBadClient("assertion expired")
	}
	// A long-lived assertion is a reusable credential; FAPI clients send
	// exp = now + 60 s.
	if exp.Sub(now) > MaxAssertionLifetime+clockSkew {
		return errBadClient("assertion exp too far in the future")
	}
	if c.Nbf != nil && now.Add(clockSkew).Before(time.Unix(int64(*c.Nbf), 0)) {
		return errBadClient("assertion not yet valid")
	}
	if c.Jti == "" {
		return errBadClient("assertion without jti")
	}
	if len(c.Aud) == 0 {
		return errBadClient("assertion without aud")
	}
	if issuerOnly {
		var aud string
		if json.Unmarshal(c.Aud, &aud) != nil || len(audiences) == 0 || aud != audiences[0] {
			return errBadClient("assertion aud must be the issuer identifier as a string (FAPI 2.0 SP 5.3.2.1-8)")
		}
		return nil
	}
	auds, err := Audiences(c.Aud)
	if err != nil {
		return errBadClient("assertion " + err.Error())
	}
	for _, aud := range auds {
		if slices.Contains(audiences, strings.TrimSpace(aud)) && aud != "" {
			return nil
		}
	}
	return errBadClient("assertion aud names neither the issuer nor this endpoint")
}
