package authorize

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
)

// ResponseSigner signs JWT-secured authorization responses with the
// project's keys (*keys.Manager).
type ResponseSigner interface {
	EnsureKey(ctx context.Context, projectID, alg string) error
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
}

// JARM (JWT Secured Authorization Response Mode, OpenID FAPI JARM):
// response_mode jwt and query.jwt (jwt means query.jwt for the code
// flow, JARM §2.3.4). fragment.jwt and form_post.jwt are not served yet.
const (
	modeJWT      = "jwt"
	modeQueryJWT = "query.jwt"
	// jarmTTL: node-oidc-provider's, which IDPartner's clients expect
	// (exp = now + 120 s; JARM §2.1 recommends short-lived).
	jarmTTL = 120 * time.Second
	// defaultJARMAlg: JARM §3 says RS256, FAPI says PS256 or ES256; bank
	// OPs use PS256.
	defaultJARMAlg = "PS256"
)

// ResponseModes are the response_mode values served, for discovery.
func ResponseModes(jarm bool) []string {
	if jarm {
		return []string{"query", modeJWT, modeQueryJWT}
	}
	return []string{"query"}
}

func isJARM(mode string) bool { return mode == modeJWT || mode == modeQueryJWT }

// jarmURL is the redirect carrying the response parameters kv as one
// response JWT (JARM §2.1, §2.3.1): iss, aud = client_id, exp, state and
// the parameters; signed, and encrypted to the client's key when it
// registered authorization_encrypted_response_alg (JARM §2.2).
func (a *Authorizer) jarmURL(ctx context.Context, req *authzRequest, kv []string) (string, error) {
	claims := map[string]any{
		"iss": a.Issuer,
		"aud": req.Client.ClientID,
		"exp": a.now().Add(jarmTTL).Unix(),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		claims[kv[i]] = kv[i+1]
	}
	if req.State != "" {
		claims["state"] = req.State
	}
	alg := req.Client.AuthorizationSignedResponseAlg
	if alg == "" {
		alg = defaultJARMAlg
	}
	projectID := req.Client.ProjectID
	if err := a.ResponseKeys.EnsureKey(ctx, projectID, alg); err != nil {
		return "", fmt.Errorf("jarm: key: %w", err)
	}
	signer, err := a.ResponseKeys.Signer(ctx, projectID, alg)
	if err != nil {
		return "", fmt.Errorf("jarm: signer: %w", err)
	}
	jwt, err := signer.SignJWT(claims, "JWT")
	if err != nil {
		return "", fmt.Errorf("jarm: sign: %w", err)
	}
	if req.Client.AuthorizationEncryptedResponseAlg != "" {
		if jwt, err = a.encryptResponse(ctx, req, jwt); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	b.WriteString(req.RedirectURI)
	switch {
	case strings.HasSuffix(req.RedirectURI, "?"):
	case strings.Contains(req.RedirectURI, "?"):
		b.WriteByte('&')
	default:
		b.WriteByte('?')
	}
	b.WriteString("response=")
	b.WriteString(url.QueryEscape(jwt))
	return b.String(), nil
}

// encryptResponse nests the signed response in a JWE (JARM §2.2) for the
// client's RSA encryption key, with cty JWT and, as node-oidc-provider
// does, iss and aud in the protected header.
func (a *Authorizer) encryptResponse(ctx context.Context, req *authzRequest, jws string) (string, error) {
	set, err := a.ClientKeys.For(ctx, req.Client)
	if err != nil {
		return "", fmt.Errorf("jarm: client keys: %w", err)
	}
	var key *jose.JSONWebKey
	for i, k := range set.Keys {
		if _, ok := k.Key.(*rsa.PublicKey); ok && (k.Use == "" || k.Use == "enc") &&
			(k.Algorithm == "" || k.Algorithm == req.Client.AuthorizationEncryptedResponseAlg) {
			key = &set.Keys[i]
			break
		}
	}
	if key == nil {
		return "", fmt.Errorf("jarm: client %s has no RSA encryption key", req.Client.ClientID)
	}
	opts := (&jose.EncrypterOptions{}).WithContentType("JWT").
		WithHeader("iss", a.Issuer).WithHeader("aud", req.Client.ClientID)
	enc, err := jose.NewEncrypter(jose.ContentEncryption(req.Client.AuthorizationEncryptedResponseEnc),
		jose.Recipient{Algorithm: jose.KeyAlgorithm(req.Client.AuthorizationEncryptedResponseAlg), Key: key.Key, KeyID: key.KeyID}, opts)
	if err != nil {
		return "", fmt.Errorf("jarm: encrypter: %w", err)
	}
	obj, err := enc.Encrypt([]byte(jws))
	if err != nil {
		return "", fmt.Errorf("jarm: encrypt: %w", err)
	}
	return obj.CompactSerialize()
}
