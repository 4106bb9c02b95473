package rp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// The algorithms are pinned, not negotiated (FAPI 1.0 Advanced §8.6 allows
// PS256 and ES256; IDPartner uses PS256 and RSA-OAEP with A256CBC-HS512).
var (
	sigAlgs = []jose.SignatureAlgorithm{jose.PS256}
	keyAlgs = []jose.KeyAlgorithm{jose.RSA_OAEP}
	encAlgs = []jose.ContentEncryption{jose.A256CBC_HS512}
)

// claims are the members of a JARM or ID token that the client checks.
type claims struct {
	Iss    string   `json:"iss"`
	Sub    string   `json:"sub"`
	Aud    audience `json:"aud"`
	Azp    string   `json:"azp"`
	Exp    *float64 `json:"exp"`
	Iat    *float64 `json:"iat"`
	Nbf    *float64 `json:"nbf"`
	Nonce  string   `json:"nonce"`
	AtHash string   `json:"at_hash"`
	// JARM §2.1 response parameters.
	Code             string         `json:"code"`
	State            string         `json:"state"`
	Error            oidc.ErrorCode `json:"error"`
	ErrorDescription string         `json:"error_description"`
	ErrorURI         string         `json:"error_uri"`
}

// audience is the aud claim: a string or an array of strings (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = l
	return nil
}

// open returns the verified JWS (decrypted when it came as a JWE) and its
// payload, for a JARM or an ID token: with Config.Keys
// it must be a JWE (RSA-OAEP, A256CBC-HS512) to our encryption key around a
// JWS; without keys a bare JWS. The JWS must be PS256 and verify with one of
// the OP's published keys. Both must be in the compact serialization, the
// only one a JWT has (RFC 7519 §1): the JSON serializations
// (RFC 7515 §7.2, RFC 7516 §7.2) can carry several signatures or recipients
// and unprotected headers, which nothing here must have to consider.
func (c *Client) open(ctx context.Context, p *provider, raw, what string) (jwsCompact string, payload []byte, err error) {
	jwe := strings.Count(raw, ".") == 4
	if k := c.cfg.Keys; k != nil {
		if !jwe {
			return "", nil, invalid(ErrEncryption, what+" is not encrypted, but the client has encryption keys")
		}
		obj, err := jose.ParseEncryptedCompact(raw, keyAlgs, encAlgs)
		if err != nil {
			return "", nil, invalidf(ErrEncryption, err, what+" is not an RSA-OAEP/A256CBC-HS512 JWE")
		}
		if kid := obj.Header.KeyID; kid != "" && kid != k.enc.KeyID {
			return "", nil, invalid(ErrEncryption, what+" is encrypted to another key")
		}
		plain, err := obj.Decrypt(k.enc.Key)
		if err != nil {
			return "", nil, invalidf(ErrEncryption, err, what+" does not decrypt with the client's key")
		}
		raw = string(plain)
	} else if jwe {
		return "", nil, invalid(ErrEncryption, what+" is encrypted, but the client has no keys")
	}
	jws, err := jose.ParseSignedCompact(raw, sigAlgs)
	if err != nil {
		return "", nil, invalidf(ErrSignature, err, what+" is not a PS256 JWS")
	}
	if len(jws.Signatures) != 1 {
		return "", nil, invalid(ErrSignature, what+" must have exactly one signature")
	}
	keys, err := c.verificationKeys(ctx, p, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return "", nil, err
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k); err == nil {
			return raw, payload, nil
		}
	}
	return "", nil, invalid(ErrSignature, what+" signature does not verify with the OP's keys")
}

// check applies the claims rules shared by JARM (§4.4) and ID tokens
// (OIDC Core §3.1.3.7): issuer, audience (azp when there are several),
// expiry, and not-before/issued-at not in the future.
func (c *Client) check(cl *claims, issuer, what string) error {
	now := c.now()
	switch {
	case cl.Iss != issuer:
		return invalid(ErrIssuerMismatch, what+" issuer is not the OP's")
	case !slices.Contains(cl.Aud, c.cfg.ClientID):
		return invalid(ErrAudience, what+" audience does not include the client")
	case len(cl.Aud) > 1 && cl.Azp != c.cfg.ClientID:
		return invalid(ErrAudience, what+" has several audiences and azp is not the client")
	case cl.Azp != "" && cl.Azp != c.cfg.ClientID:
		return invalid(ErrAudience, what+" azp is not the client")
	case cl.Exp == nil:
		return invalid(ErrMalformed, what+" has no exp")
	case !now.Before(unix(*cl.Exp).Add(clockSkew)):
		return invalid(ErrExpired, what+" has expired")
	case cl.Nbf != nil && now.Add(clockSkew).Before(unix(*cl.Nbf)):
		return invalid(ErrNotYetValid, what+" is not yet valid")
	case cl.Iat != nil && now.Add(clockSkew).Before(unix(*cl.Iat)):
		return invalid(ErrNotYetValid, what+" was issued in the future")
	}
	return nil
}

func unix(f float64) time.Time { return time.Unix(int64(f), 0) }

// parseJARM verifies a JWT-secured authorization response (JARM §4.4) and
// returns its claims; state and error are left to the caller.
func (c *Client) parseJARM(ctx context.Context, p *provider, raw string) (*claims, error) {
	_, payload, err := c.open(ctx, p, raw, "authorization response")
	if err != nil {
		return nil, err
	}
	var cl claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return nil, invalidf(ErrMalformed, err, "authorization response claims are malformed")
	}
	if err := c.check(&cl, p.md.Issuer, "authorization response"); err != nil {
		return nil, err
	}
	return &cl, nil
}

// parseIDToken verifies an ID token (OIDC Core §3.1.3.7) and returns the
// decrypted JWS, its claims and its raw payload. nonce is checked when not
// empty (it is empty after a refresh, OIDC Core §12.2); at_hash when the
// token has one (§3.1.3.8, optional for the code flow).
func (c *Client) parseIDToken(ctx context.Context, p *provider, raw, nonce, accessToken string) (string, *claims, []byte, error) {
	jws, payload, err := c.open(ctx, p, raw, "ID token")
	if err != nil {
		return "", nil, nil, err
	}
	var cl claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return "", nil, nil, invalidf(ErrMalformed, err, "ID token claims are malformed")
	}
	if err := c.check(&cl, p.md.Issuer, "ID token"); err != nil {
		return "", nil, nil, err
	}
	switch {
	case cl.Sub == "":
		return "", nil, nil, invalid(ErrMalformed, "ID token has no sub")
	case cl.Iat == nil:
		return "", nil, nil, invalid(ErrMalformed, "ID token has no iat")
	case nonce != "" && subtle.ConstantTimeCompare([]byte(cl.Nonce), []byte(nonce)) != 1:
		return "", nil, nil, invalid(ErrNonceMismatch, "ID token nonce does not match")
	case cl.AtHash != "" && subtle.ConstantTimeCompare([]byte(cl.AtHash), []byte(atHash(accessToken))) != 1:
		return "", nil, nil, invalid(ErrAtHashMismatch, "ID token at_hash does not match the access token")
	}
	return jws, &cl, payload, nil
}

// atHash is the left half of SHA-256 of the access token, base64url
// (OIDC Core §3.1.3.6 for PS256).
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
