package apps

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Algorithms a bank-grade client may register. Signing is FAPI's PS256 and
// ES256 only (FAPI 2.0 SP §5.4); encryption is RSA-OAEP key transport, the
// content encryptions go-jose implements.
var (
	signingAlgs    = []string{"PS256", "ES256"}
	encryptionAlgs = []string{"RSA-OAEP", "RSA-OAEP-256"}
	encryptionEncs = []string{"A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"}
	authMethods    = []string{oidc.AuthClientSecretBasic, oidc.AuthClientSecretPost, oidc.AuthPrivateKeyJWT, oidc.AuthTLSClient, oidc.AuthSelfSignedTLSClient, oidc.AuthNone}
)

// defaultEnc is the content encryption used when a client registers an
// encryption alg without an enc (OIDC Registration §2,
// id_token_encrypted_response_enc; JARM §3 likewise).
const defaultEnc = "A128CBC-HS256"

const maxJWKSBytes = 16 << 10

// clientMetadataWire is the wire form of store.ClientMetadata: Signet
// extension fields of the Stytch ConnectedApp, named as RFC 7591, OIDC
// Registration, RFC 8705 and JARM name them. Empty ones are left out, so
// an ordinary client keeps exactly Stytch's shape.
type clientMetadataWire struct {
	JWKS                                  json.RawMessage `json:"jwks,omitempty"`
	JWKSURI                               string          `json:"jwks_uri,omitempty"`
	TokenEndpointAuthMethod               string          `json:"token_endpoint_auth_method,omitempty"`
	TLSClientAuthSubjectDN                string          `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                   string          `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                   string          `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                    string          `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                 string          `json:"tls_client_auth_san_email,omitempty"`
	RequirePAR                            bool            `json:"require_pushed_authorization_requests,omitempty"`
	RequestObjectSigningAlg               string          `json:"request_object_signing_alg,omitempty"`
	AuthorizationSignedResponseAlg        string          `json:"authorization_signed_response_alg,omitempty"`
	AuthorizationEncryptedResponseAlg     string          `json:"authorization_encrypted_response_alg,omitempty"`
	AuthorizationEncryptedResponseEnc     string          `json:"authorization_encrypted_response_enc,omitempty"`
	IDTokenSignedResponseAlg              string          `json:"id_token_signed_response_alg,omitempty"`
	IDTokenEncryptedResponseAlg           string          `json:"id_token_encrypted_response_alg,omitempty"`
	IDTokenEncryptedResponseEnc           string          `json:"id_token_encrypted_response_enc,omitempty"`
	TLSClientCertificateBoundAccessTokens bool            `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	SecurityProfile                       string          `json:"security_profile,omitempty"`
	RequireSignedRequestObject            bool            `json:"require_signed_request_object,omitempty"`
	TLSClientAuthTrustAnchors             string          `json:"tls_client_auth_trust_anchors,omitempty"`
	DPoPBoundAccessTokens                 bool            `json:"dpop_bound_access_tokens,omitempty"`
	// OpenID Connect Back-Channel Logout 1.0 §2.2.
	BackchannelLogoutURI             string `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired bool   `json:"backchannel_logout_session_required,omitempty"`
}

func wireMetadata(m store.ClientMetadata) clientMetadataWire {
	return clientMetadataWire{
		JWKS: m.JWKS, JWKSURI: m.JWKSURI, TokenEndpointAuthMethod: m.TokenEndpointAuthMethod,
		TLSClientAuthSubjectDN: m.TLSClientAuthSubjectDN, TLSClientAuthSANDNS: m.TLSClientAuthSANDNS,
		TLSClientAuthSANURI: m.TLSClientAuthSANURI, TLSClientAuthSANIP: m.TLSClientAuthSANIP,
		TLSClientAuthSANEmail: m.TLSClientAuthSANEmail, RequirePAR: m.RequirePAR,
		RequestObjectSigningAlg:               m.RequestObjectSigningAlg,
		AuthorizationSignedResponseAlg:        m.AuthorizationSignedResponseAlg,
		AuthorizationEncryptedResponseAlg:     m.AuthorizationEncryptedResponseAlg,
		AuthorizationEncryptedResponseEnc:     m.AuthorizationEncryptedResponseEnc,
		IDTokenSignedResponseAlg:              m.IDTokenSignedResponseAlg,
		IDTokenEncryptedResponseAlg:           m.IDTokenEncryptedResponseAlg,
		IDTokenEncryptedResponseEnc:           m.IDTokenEncryptedResponseEnc,
		TLSClientCertificateBoundAccessTokens: m.TLSClientCertificateBoundAccessTokens,
		SecurityProfile:                       m.SecurityProfile,
		RequireSignedRequestObject:            m.RequireSignedRequestObject,
		TLSClientAuthTrustAnchors:             m.TLSClientAuthTrustAnchors,
		DPoPBoundAccessTokens:                 m.DPoPBoundAccessTokens,
		BackchannelLogoutURI:                  m.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired:      m.BackchannelLogoutSessionRequired,
	}
}

// metadataSettings are the metadata fields of create and update. Absent
// leaves a field as is; "" (or false, or a null jwks) clears it.
type metadataSettings struct {
	JWKS                                  json.RawMessage `json:"jwks"` // nil absent, "null" clears
	JWKSURI                               *string         `json:"jwks_uri"`
	TokenEndpointAuthMethod               *string         `json:"token_endpoint_auth_method"`
	TLSClientAuthSubjectDN                *string         `json:"tls_client_auth_subject_dn"`
	TLSClientAuthSANDNS                   *string         `json:"tls_client_auth_san_dns"`
	TLSClientAuthSANURI                   *string         `json:"tls_client_auth_san_uri"`
	TLSClientAuthSANIP                    *string         `json:"tls_client_auth_san_ip"`
	TLSClientAuthSANEmail                 *string         `json:"tls_client_auth_san_email"`
	RequirePAR                            *bool           `json:"require_pushed_authorization_requests"`
	RequestObjectSigningAlg               *string         `json:"request_object_signing_alg"`
	AuthorizationSignedResponseAlg        *string         `json:"authorization_signed_response_alg"`
	AuthorizationEncryptedResponseAlg     *string         `json:"authorization_encrypted_response_alg"`
	AuthorizationEncryptedResponseEnc     *string         `json:"authorization_encrypted_response_enc"`
	IDTokenSignedResponseAlg              *string         `json:"id_token_signed_response_alg"`
	IDTokenEncryptedResponseAlg           *string         `json:"id_token_encrypted_response_alg"`
	IDTokenEncryptedResponseEnc           *string         `json:"id_token_encrypted_response_enc"`
	TLSClientCertificateBoundAccessTokens *bool           `json:"tls_client_certificate_bound_access_tokens"`
	SecurityProfile                       *string         `json:"security_profile"`
	RequireSignedRequestObject            *bool           `json:"require_signed_request_object"`
	TLSClientAuthTrustAnchors             *string         `json:"tls_client_auth_trust_anchors"`
	DPoPBoundAccessTokens                 *bool           `json:"dpop_bound_access_tokens"`
	BackchannelLogoutURI                  *string         `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired      *bool           `json:"backchannel_logout_session_required"`
}

func (s metadataSettings) apply(m *store.ClientMetadata) {
	if s.JWKS != nil {
		if string(s.JWKS) == "null" {
			m.JWKS = nil
		} else {
			m.JWKS = s.JWKS
		}
	}
	for dst, v := range map[*string]*string{
		&m.JWKSURI: s.JWKSURI, &m.TokenEndpointAuthMethod: s.TokenEndpointAuthMethod,
		&m.TLSClientAuthSubjectDN: s.TLSClientAuthSubjectDN, &m.TLSClientAuthSANDNS: s.TLSClientAuthSANDNS,
		&m.TLSClientAuthSANURI: s.TLSClientAuthSANURI, &m.TLSClientAuthSANIP: s.TLSClientAuthSANIP,
		&m.TLSClientAuthSANEmail: s.TLSClientAuthSANEmail, &m.RequestObjectSigningAlg: s.RequestObjectSigningAlg,
		&m.AuthorizationSignedResponseAlg:    s.AuthorizationSignedResponseAlg,
		&m.AuthorizationEncryptedResponseAlg: s.AuthorizationEncryptedResponseAlg,
		&m.AuthorizationEncryptedResponseEnc: s.AuthorizationEncryptedResponseEnc,
		&m.IDTokenSignedResponseAlg:          s.IDTokenSignedResponseAlg,
		&m.IDTokenEncryptedResponseAlg:       s.IDTokenEncryptedResponseAlg,
		&m.IDTokenEncryptedResponseEnc:       s.IDTokenEncryptedResponseEnc,
		&m.SecurityProfile:                   s.SecurityProfile,
		&m.TLSClientAuthTrustAnchors:         s.TLSClientAuthTrustAnchors,
		&m.BackchannelLogoutURI:              s.BackchannelLogoutURI,
	} {
		if v != nil {
			*dst = *v
		}
	}
	if s.RequirePAR != nil {
		m.RequirePAR = *s.RequirePAR
	}
	if s.TLSClientCertificateBoundAccessTokens != nil {
		m.TLSClientCertificateBoundAccessTokens = *s.TLSClientCertificateBoundAccessTokens
	}
	if s.RequireSignedRequestObject != nil {
		m.RequireSignedRequestObject = *s.RequireSignedRequestObject
	}
	if s.DPoPBoundAccessTokens != nil {
		m.DPoPBoundAccessTokens = *s.DPoPBoundAccessTokens
	}
	if s.BackchannelLogoutSessionRequired != nil {
		m.BackchannelLogoutSessionRequired = *s.BackchannelLogoutSessionRequired
	}
	applyProfileDefaults(m)
	// OIDC Registration §2: an encryption alg without an enc means the
	// default enc.
	if m.AuthorizationEncryptedResponseAlg != "" && m.AuthorizationEncryptedResponseEnc == "" {
		m.AuthorizationEncryptedResponseEnc = defaultEnc
	}
	if m.IDTokenEncryptedResponseAlg != "" && m.IDTokenEncryptedResponseEnc == "" {
		m.IDTokenEncryptedResponseEnc = defaultEnc
	}
}

func badMetadata(field, format string, args ...any) error {
	return api.BadRequest("invalid_"+field, format, args...)
}

// checkClientMetadata validates the bank-grade metadata of a whole client:
// the keys first, then the other fields' checks, which may need them, in
// the order their errors take precedence.
func checkClientMetadata(c store.ConnectedApp) error {
	keys, err := checkClientKeys(c.ClientMetadata)
	if err != nil {
		return err
	}
	for _, check := range []func(store.ConnectedApp, metadataKeys) error{
		checkAuthMethod,
		checkTLSClientAuth,
		checkSigningAlgs,
		checkEncryption,
		checkTrustAnchors,
		checkSecurityProfile,
		checkBackchannelLogout,
	} {
		if err := check(c, keys); err != nil {
			return err
		}
	}
	return nil
}

// metadataKeys is what checkClientKeys found, for the checks that need keys.
type metadataKeys struct {
	set     jose.JSONWebKeySet // the inline jwks, parsed
	present bool               // jwks or jwks_uri
}

// checkClientKeys checks jwks and jwks_uri.
func checkClientKeys(m store.ClientMetadata) (metadataKeys, error) {
	if m.JWKS != nil && m.JWKSURI != "" {
		return metadataKeys{}, badMetadata("jwks", "jwks and jwks_uri are mutually exclusive (RFC 7591 §2).")
	}
	var set jose.JSONWebKeySet
	if m.JWKS != nil {
		var err error
		if set, err = parsePublicJWKS(m.JWKS); err != nil {
			return metadataKeys{}, badMetadata("jwks", "jwks: %s.", err.Error())
		}
	}
	if m.JWKSURI != "" {
		if u, err := url.Parse(m.JWKSURI); err != nil || len(m.JWKSURI) > maxURLLen || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
			return metadataKeys{}, badMetadata("jwks_uri", "jwks_uri must be an https URL of at most %d bytes.", maxURLLen)
		}
	}
	return metadataKeys{set: set, present: m.JWKS != nil || m.JWKSURI != ""}, nil
}

// checkAuthMethod checks token_endpoint_auth_method.
func checkAuthMethod(c store.ConnectedApp, keys metadataKeys) error {
	switch method := c.TokenEndpointAuthMethod; {
	case method == "":
	case !slices.Contains(authMethods, method):
		return badMetadata("token_endpoint_auth_method", "token_endpoint_auth_method must be one of %s.", strings.Join(authMethods, ", "))
	case IsPublic(c) != (method == oidc.AuthNone):
		return badMetadata("token_endpoint_auth_method", "token_endpoint_auth_method none is for public clients, and only none is.")
	case method == oidc.AuthPrivateKeyJWT && !keys.present:
		return badMetadata("token_endpoint_auth_method", "private_key_jwt needs jwks or jwks_uri.")
	case method == oidc.AuthSelfSignedTLSClient && !keys.present:
		// RFC 8705 §2.2: the certificate is one of the registered keys.
		return badMetadata("token_endpoint_auth_method", "self_signed_tls_client_auth needs jwks or jwks_uri holding the certificate's key (RFC 8705 section 2.2).")
	}
	return nil
}

// checkTLSClientAuth checks the tls_client_auth_* names (RFC 8705 §2.1.2).
func checkTLSClientAuth(c store.ConnectedApp, _ metadataKeys) error {
	m := c.ClientMetadata
	names := 0
	for _, v := range []string{m.TLSClientAuthSubjectDN, m.TLSClientAuthSANDNS, m.TLSClientAuthSANURI, m.TLSClientAuthSANIP, m.TLSClientAuthSANEmail} {
		if v != "" {
			names++
			if len(v) > maxURLLen || !isVisibleASCII(strings.ReplaceAll(v, " ", "")) {
				return badMetadata("tls_client_auth", "tls_client_auth_* values must be visible ASCII of at most %d bytes.", maxURLLen)
			}
		}
	}
	// RFC 8705 §2.1.2: exactly one of them.
	if names > 1 || (m.TokenEndpointAuthMethod == oidc.AuthTLSClient) != (names == 1) {
		return badMetadata("tls_client_auth", "tls_client_auth needs exactly one tls_client_auth_* value, and only it may have one (RFC 8705 §2.1.2).")
	}
	if m.TLSClientAuthSANIP != "" && net.ParseIP(m.TLSClientAuthSANIP) == nil {
		return badMetadata("tls_client_auth", "tls_client_auth_san_ip is not an IP address.")
	}
	if m.TLSClientAuthSANURI != "" {
		if u, err := url.Parse(m.TLSClientAuthSANURI); err != nil || !u.IsAbs() {
			return badMetadata("tls_client_auth", "tls_client_auth_san_uri is not an absolute URI.")
		}
	}
	return nil
}

// checkSigningAlgs checks the algorithms the client signs or wants signed
// with (FAPI 2.0 SP §5.4).
func checkSigningAlgs(c store.ConnectedApp, keys metadataKeys) error {
	m := c.ClientMetadata
	for field, alg := range map[string]string{
		"request_object_signing_alg":        m.RequestObjectSigningAlg,
		"authorization_signed_response_alg": m.AuthorizationSignedResponseAlg,
		"id_token_signed_response_alg":      m.IDTokenSignedResponseAlg,
	} {
		if alg != "" && !slices.Contains(signingAlgs, alg) {
			return badMetadata(field, "%s must be one of %s.", field, strings.Join(signingAlgs, ", "))
		}
	}
	if m.RequestObjectSigningAlg != "" && !keys.present {
		return badMetadata("request_object_signing_alg", "request_object_signing_alg needs jwks or jwks_uri.")
	}
	if m.RequireSignedRequestObject && !keys.present {
		return badMetadata("require_signed_request_object", "require_signed_request_object needs jwks or jwks_uri to verify the request objects with (RFC 9101 section 10.5).")
	}
	return nil
}

// maxTrustAnchorBytes bounds a client's tls_client_auth_trust_anchors.
const maxTrustAnchorBytes = 64 << 10

// checkTrustAnchors checks tls_client_auth_trust_anchors: PEM
// certificates, each a CA, for a PKI tls_client_auth client only.
func checkTrustAnchors(c store.ConnectedApp, _ metadataKeys) error {
	pem := c.TLSClientAuthTrustAnchors
	if pem == "" {
		return nil
	}
	if c.TokenEndpointAuthMethod != oidc.AuthTLSClient {
		return badMetadata("tls_client_auth_trust_anchors", "tls_client_auth_trust_anchors are for tls_client_auth clients only.")
	}
	if len(pem) > maxTrustAnchorBytes {
		return badMetadata("tls_client_auth_trust_anchors", "tls_client_auth_trust_anchors is larger than 64 KiB.")
	}
	if _, err := ParseTrustAnchors(pem); err != nil {
		return badMetadata("tls_client_auth_trust_anchors", "tls_client_auth_trust_anchors: %s.", err.Error())
	}
	return nil
}

// checkEncryption checks the encrypted responses (JARM, ID tokens) and
// that there is a key to encrypt them to.
func checkEncryption(c store.ConnectedApp, keys metadataKeys) error {
	m := c.ClientMetadata
	for _, e := range []struct{ prefix, alg, enc string }{
		{"authorization_encrypted_response", m.AuthorizationEncryptedResponseAlg, m.AuthorizationEncryptedResponseEnc},
		{"id_token_encrypted_response", m.IDTokenEncryptedResponseAlg, m.IDTokenEncryptedResponseEnc},
	} {
		if e.alg == "" && e.enc == "" {
			continue
		}
		if !slices.Contains(encryptionAlgs, e.alg) {
			return badMetadata(e.prefix+"_alg", "%s_alg must be one of %s (and is required with %s_enc).", e.prefix, strings.Join(encryptionAlgs, ", "), e.prefix)
		}
		if !slices.Contains(encryptionEncs, e.enc) {
			return badMetadata(e.prefix+"_enc", "%s_enc must be one of %s.", e.prefix, strings.Join(encryptionEncs, ", "))
		}
		// A jwks_uri is checked when it is fetched; an inline set now.
		if !keys.present || (m.JWKS != nil && !hasEncryptionKey(keys.set)) {
			return badMetadata(e.prefix+"_alg", "%s_alg needs an RSA encryption key (use enc) in jwks or jwks_uri.", e.prefix)
		}
	}
	return nil
}

// parsePublicJWKS reads a client's JWK Set: public RSA (≥ 2048 bits) or
// EC keys only, never private or symmetric material.
func parsePublicJWKS(raw json.RawMessage) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if len(raw) > maxJWKSBytes {
		return set, redirectError("is larger than 16 KiB")
	}
	if err := json.Unmarshal(raw, &set); err != nil {
		return set, redirectError("is not a JWK Set (RFC 7517 §5)")
	}
	if len(set.Keys) == 0 {
		return set, redirectError("holds no keys")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() {
			return set, redirectError("must hold public keys only")
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			if pub.N.BitLen() < 2048 {
				return set, redirectError("holds an RSA key shorter than 2048 bits")
			}
		case *ecdsa.PublicKey:
		default:
			return set, redirectError("holds a key that is neither RSA nor EC")
		}
	}
	return set, nil
}

func hasEncryptionKey(set jose.JSONWebKeySet) bool {
	for _, k := range set.Keys {
		if _, ok := k.Key.(*rsa.PublicKey); ok && (k.Use == "" || k.Use == "enc") {
			return true
		}
	}
	return false
}

// checkBackchannelLogout checks backchannel_logout_uri (OpenID Connect
// Back-Channel Logout 1.0 §2.2): an absolute URL without a fragment,
// https, or http on a loopback host (a client on the developer's
// machine). Signet POSTs logout tokens there from the server side.
func checkBackchannelLogout(c store.ConnectedApp, _ metadataKeys) error {
	if c.BackchannelLogoutURI == "" {
		return nil
	}
	if err := checkRedirectURL(c.BackchannelLogoutURI, false); err != nil {
		return badMetadata("backchannel_logout_uri", "backchannel_logout_uri: %q %s.", c.BackchannelLogoutURI, err.Error())
	}
	return nil
}
