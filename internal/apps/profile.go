package apps

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Security profiles a Connected App may register (security_profile, a
// Signet extension of the Stytch ConnectedApp). "" is an ordinary client:
// what Stytch's Connected Apps do, nothing more demanded.
const (
	// ProfileFAPI2 is the FAPI 2.0 Security Profile (Final).
	ProfileFAPI2 = "fapi2"
	// ProfileFAPI2MessageSigning is FAPI 2.0 Message Signing on top of
	// it: signed request objects and JARM, both required.
	ProfileFAPI2MessageSigning = "fapi2_message_signing"
	// ProfileBankNetwork is what the bank network's clients (the IDPartner
	// Node client, FAPI 1 Advanced flavoured) send: PAR and PKCE S256
	// required, but a client assertion's aud may name the issuer or the
	// endpoint, alone or in an array ([issuer, token_endpoint] is what
	// that client sends), and refresh tokens rotate.
	ProfileBankNetwork = "bank_network"
)

var securityProfiles = []string{ProfileFAPI2, ProfileFAPI2MessageSigning, ProfileBankNetwork}

// FAPI2CodeTTL is the longest a FAPI 2.0 client's authorization code
// lives (FAPI 2.0 SP §5.3.2.1: "shall issue authorization codes with a
// maximum lifetime of 60 seconds").
const FAPI2CodeTTL = 60 * time.Second

// fapi2Algs are the only JWS algorithms of FAPI 2.0 (SP §5.4.1).
var fapi2Algs = []string{"PS256", "ES256", "EdDSA"}

// Rules are what a client's security profile holds it to. The
// authorization, PAR, client authentication and token endpoints each read
// the part that is theirs; the zero value is an ordinary client.
type Rules struct {
	// RequirePAR: authorization requests only through PAR (RFC 9126 §6;
	// FAPI 2.0 SP §5.3.2.2-1). Also set by the client's own
	// require_pushed_authorization_requests.
	RequirePAR bool
	// RequirePKCE: every request carries an S256 code_challenge, the
	// client's type notwithstanding (FAPI 2.0 SP §5.3.2.2-5,6).
	RequirePKCE bool
	// IssuerAudienceOnly: a client assertion's aud is the issuer
	// identifier as a string, nothing else (FAPI 2.0 SP §5.3.2.1-8).
	IssuerAudienceOnly bool
	// RequireSignedRequestObject: RFC 9101 §10.5; FAPI 2.0 Message
	// Signing §5.3.1. Also set by the client's own metadata.
	RequireSignedRequestObject bool
	// RequireJARM: authorization responses are JWTs (FAPI 2.0 Message
	// Signing §5.4.1).
	RequireJARM bool
	// MaxCodeLifetime bounds the code's life, 0 for the server's default.
	MaxCodeLifetime time.Duration
	// KeepRefreshToken: a refresh keeps the refresh token instead of
	// rotating it (FAPI 2.0 SP §5.3.2.1-9, RFC 9700 §4.14.2: a
	// sender-constrained confidential client's token is useless to a thief).
	KeepRefreshToken bool
}

// RulesOf returns the rules c is held to.
func RulesOf(c store.ConnectedApp) Rules {
	r := Rules{RequirePAR: c.RequirePAR, RequireSignedRequestObject: c.RequireSignedRequestObject}
	switch c.SecurityProfile {
	case ProfileFAPI2, ProfileFAPI2MessageSigning:
		r.RequirePAR, r.RequirePKCE, r.IssuerAudienceOnly = true, true, true
		r.MaxCodeLifetime = FAPI2CodeTTL
		r.KeepRefreshToken = !IsPublic(c) && IsSenderConstrained(c)
		if c.SecurityProfile == ProfileFAPI2MessageSigning {
			r.RequireSignedRequestObject, r.RequireJARM = true, true
		}
	case ProfileBankNetwork:
		r.RequirePAR, r.RequirePKCE = true, true
	}
	return r
}

// IsSenderConstrained reports whether the client's access tokens are
// always bound to a key it holds: its TLS certificate (RFC 8705 §3) or its
// DPoP key (RFC 9449 §5.2).
func IsSenderConstrained(c store.ConnectedApp) bool {
	return c.TLSClientCertificateBoundAccessTokens || isTLSAuth(c.TokenEndpointAuthMethod) || c.DPoPBoundAccessTokens
}

func isTLSAuth(method string) bool {
	return method == oidc.AuthTLSClient || method == oidc.AuthSelfSignedTLSClient
}

// checkSecurityProfile checks that a client registered for a profile has
// what the profile needs, once, so the endpoints need not ask again.
func checkSecurityProfile(c store.ConnectedApp, _ metadataKeys) error {
	m := c.ClientMetadata
	switch m.SecurityProfile {
	case "", ProfileBankNetwork:
		return nil
	case ProfileFAPI2, ProfileFAPI2MessageSigning:
	default:
		return badMetadata("security_profile", "security_profile must be one of %s, or empty.", strings.Join(securityProfiles, ", "))
	}
	// FAPI 2.0 SP §5.3.2.1: confidential clients only, authenticated by
	// private_key_jwt or mutual TLS (§5.3.2.1-4), with sender-constrained
	// tokens (§5.3.2.1-5: mutual TLS or DPoP).
	switch {
	case IsPublic(c):
		return badMetadata("security_profile", "A %s client must be confidential (FAPI 2.0 SP section 5.3.2.1).", m.SecurityProfile)
	case m.TokenEndpointAuthMethod != oidc.AuthPrivateKeyJWT && !isTLSAuth(m.TokenEndpointAuthMethod):
		return badMetadata("security_profile", "A %s client authenticates with private_key_jwt, tls_client_auth or self_signed_tls_client_auth (FAPI 2.0 SP section 5.3.2.1).", m.SecurityProfile)
	case !m.TLSClientCertificateBoundAccessTokens && !m.DPoPBoundAccessTokens:
		return badMetadata("security_profile", "A %s client needs sender-constrained tokens: set tls_client_certificate_bound_access_tokens or dpop_bound_access_tokens (FAPI 2.0 SP section 5.3.2.1).", m.SecurityProfile)
	}
	for field, alg := range map[string]string{
		"request_object_signing_alg":        m.RequestObjectSigningAlg,
		"authorization_signed_response_alg": m.AuthorizationSignedResponseAlg,
		"id_token_signed_response_alg":      m.IDTokenSignedResponseAlg,
	} {
		if alg != "" && !slices.Contains(fapi2Algs, alg) {
			return badMetadata(field, "%s must be one of %s for a %s client (FAPI 2.0 SP section 5.4.1).", field, strings.Join(fapi2Algs, ", "), m.SecurityProfile)
		}
	}
	return nil
}

// applyProfileDefaults fills what a profile needs and the client left
// unsaid: FAPI 2.0 ID tokens are never RS256 (SP §5.4.1), so PS256 is
// the default; Message Signing requires signed request objects and JARM.
func applyProfileDefaults(m *store.ClientMetadata) {
	if m.SecurityProfile != ProfileFAPI2 && m.SecurityProfile != ProfileFAPI2MessageSigning {
		return
	}
	if m.IDTokenSignedResponseAlg == "" {
		m.IDTokenSignedResponseAlg = "PS256"
	}
	if m.SecurityProfile == ProfileFAPI2MessageSigning {
		m.RequireSignedRequestObject = true
		if m.AuthorizationSignedResponseAlg == "" {
			m.AuthorizationSignedResponseAlg = "PS256"
		}
	}
}

// ParseTrustAnchors reads PEM trust anchors for tls_client_auth: one or
// more CERTIFICATE blocks and nothing else.
func ParseTrustAnchors(text string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a PEM %s block; only CERTIFICATE blocks may be given", b.Type)
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("holds a certificate that does not parse: %w", err)
		}
		out = append(out, cert)
	}
	if len(out) == 0 || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("is not a list of PEM certificates")
	}
	return out, nil
}
