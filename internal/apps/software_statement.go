package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// softwareStatementAlgs are the JWS algorithms a directory may sign
// software statements with. "none" is never one: an unsigned statement
// vouches for nothing.
var softwareStatementAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256}

// maxSoftwareStatementBytes bounds a software statement.
const maxSoftwareStatementBytes = 16 << 10

// softwareStatementSkew is how far the statement's exp and nbf may be off
// the server's clock.
const softwareStatementSkew = time.Minute

// ParseSoftwareStatementKeys reads a project's trusted directory keys: a
// JWK Set of public RSA (at least 2048 bits) or EC keys, as the keys a
// client registers are read.
func ParseSoftwareStatementKeys(text string) (jose.JSONWebKeySet, error) {
	set, err := parsePublicJWKS(json.RawMessage(text))
	if err != nil {
		return set, fmt.Errorf("the software statement keys: %w", err)
	}
	return set, nil
}

// softwareStatementClaims verifies a software statement (RFC 7591 §2.3):
// a JWT signed by a key of the project's trusted directories (trusted,
// their JWK Set; "" for none), unexpired, with an iss. It returns the
// claims that are client metadata, which take precedence over the
// request's (§3.1.1). A statement that is not such a JWT is
// invalid_software_statement; one no trusted key verifies is
// unapproved_software_statement (§3.2.2).
func softwareStatementClaims(statement, trusted string, now time.Time) (map[string]json.RawMessage, error) {
	if len(statement) > maxSoftwareStatementBytes {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement is larger than 16 KiB.")
	}
	jws, err := jose.ParseSignedCompact(statement, softwareStatementAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement is not a JWT signed with RS256, PS256 or ES256.")
	}
	if trusted == "" {
		return nil, oidc.NewError(oidc.UnapprovedSoftwareStatement, "This project trusts no software statement issuer.")
	}
	set, err := ParseSoftwareStatementKeys(trusted)
	if err != nil {
		return nil, oidc.Errorf(oidc.ServerError, "The software statement could not be checked.", err)
	}
	payload, err := verifyWithAny(jws, set)
	if err != nil {
		return nil, oidc.NewError(oidc.UnapprovedSoftwareStatement, "software_statement is not signed by a directory this project trusts.")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement's payload is not a JSON object.")
	}
	var reg struct {
		Iss string       `json:"iss"`
		Exp *json.Number `json:"exp"`
		Nbf *json.Number `json:"nbf"`
	}
	if err := json.Unmarshal(payload, &reg); err != nil {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement's iss, exp or nbf has the wrong type.")
	}
	// RFC 7591 §2.3: the statement MUST contain an iss claim.
	if reg.Iss == "" {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement has no iss claim (RFC 7591 section 2.3).")
	}
	if t, ok := numericDate(reg.Exp); ok && !now.Before(t.Add(softwareStatementSkew)) {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement has expired.")
	}
	if t, ok := numericDate(reg.Nbf); ok && now.Add(softwareStatementSkew).Before(t) {
		return nil, oidc.NewError(oidc.InvalidSoftwareStatement, "software_statement is not valid yet.")
	}
	// The JWT's own claims, and what names or authenticates an existing
	// client, are not metadata a statement sets.
	for _, k := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id", "client_secret", "software_statement"} {
		delete(claims, k)
	}
	return claims, nil
}

// verifyWithAny returns the payload if a key of set verifies jws: the key
// its kid names, or, without a kid, any key.
func verifyWithAny(jws *jose.JSONWebSignature, set jose.JSONWebKeySet) ([]byte, error) {
	keys := set.Keys
	if kid := jws.Signatures[0].Header.KeyID; kid != "" {
		keys = set.Key(kid)
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("no trusted key verifies the statement")
}

func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
