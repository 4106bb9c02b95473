package authorize

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// ResponseSigner signs JWT-secured authorization responses with the
// project's keys (*keys.Manager).
type ResponseSigner interface {
	EnsureKey(ctx context.Context, projectID, alg string) error
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
}

// Response modes. JARM (JWT Secured Authorization Response Mode, OpenID
// FAPI JARM): jwt, query.jwt, fragment.jwt and form_post.jwt; jwt means
// query.jwt for the code flow (JARM §2.3.4). form_post (OAuth 2.0 Form
// Post Response Mode) is served to every client; plain fragment is not
// (the code flow's default is query, and nothing asks for it).
const (
	modeQuery       = "query"
	modeFragment    = "fragment"
	modeFormPost    = "form_post"
	modeJWT         = "jwt"
	modeQueryJWT    = "query.jwt"
	modeFragmentJWT = "fragment.jwt"
	modeFormPostJWT = "form_post.jwt"
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
		return []string{modeQuery, modeFormPost, modeJWT, modeQueryJWT, modeFragmentJWT, modeFormPostJWT}
	}
	return []string{modeQuery, modeFormPost}
}

func isJARM(mode string) bool {
	switch mode {
	case modeJWT, modeQueryJWT, modeFragmentJWT, modeFormPostJWT:
		return true
	}
	return false
}

// delivery is how a mode carries the parameters: query, fragment or
// form_post (JARM §2.3).
func delivery(mode string) string {
	switch mode {
	case modeFragmentJWT:
		return modeFragment
	case modeFormPost, modeFormPostJWT:
		return modeFormPost
	}
	return modeQuery
}

// jarmJWT is the response JWT carrying the response parameters kv (JARM
// §2.1): iss, aud = client_id, exp, state and the parameters (error,
// error_description and state for an error, JARM §2.2 / §2.4); signed,
// and encrypted to the client's key when it registered
// authorization_encrypted_response_alg.
func (a *Authorizer) jarmJWT(ctx context.Context, req *authzRequest, kv []string) (string, error) {
	claims := map[string]any{
		"iss": a.Issuer,
		"aud": req.Client.ClientID,
		"exp": store.Now(a.Now).Add(jarmTTL).Unix(),
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
	// Every project has PS256 and ES256 keys from its creation
	// (internal/projects). One that lacks the key gets one made here, which
	// signs only once every node's JWKS serves it (internal/keys); until
	// then the response cannot be signed.
	projectID := req.Client.ProjectID
	signer, err := a.ResponseKeys.Signer(ctx, projectID, alg)
	if errors.Is(err, keys.ErrNoKey) {
		if err := a.ResponseKeys.EnsureKey(ctx, projectID, alg); err != nil {
			return "", fmt.Errorf("jarm: key: %w", err)
		}
	}
	if err != nil {
		return "", fmt.Errorf("jarm: signer: %w", err)
	}
	jwt, err := signer.SignJWT(claims, "JWT")
	if err != nil {
		return "", fmt.Errorf("jarm: sign: %w", err)
	}
	if req.Client.AuthorizationEncryptedResponseAlg != "" {
		// JARM §2.2: the signed response nested in a JWE for the client.
		c := req.Client
		if jwt, err = a.ClientKeys.EncryptJWT(ctx, c, c.AuthorizationEncryptedResponseAlg,
			c.AuthorizationEncryptedResponseEnc, a.Issuer, jwt); err != nil {
			return "", fmt.Errorf("jarm: %w", err)
		}
	}
	return jwt, nil
}
