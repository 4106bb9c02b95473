package apps

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// selfSignedPEM is a self-signed certificate, usable as a trust anchor.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestSecurityProfileRegistration(t *testing.T) {
	e := newCAEnv(t)
	pub := testJWKS(t, false)
	fapi := func(kv ...any) map[string]any {
		m := map[string]any{
			"client_type": TypeThirdParty, "redirect_urls": []string{"https://rp.example/cb"},
			"jwks": pub, "token_endpoint_auth_method": "private_key_jwt",
			"tls_client_certificate_bound_access_tokens": true, "security_profile": ProfileFAPI2,
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	refused := []struct {
		name     string
		body     map[string]any
		wantType string
	}{
		{"unknown profile", fapi("security_profile", "fapi1"), "invalid_security_profile"},
		{"public client", fapi("client_type", TypeThirdPartyPublic, "token_endpoint_auth_method", "none"), "invalid_security_profile"},
		{"secret authentication", fapi("token_endpoint_auth_method", "client_secret_basic"), "invalid_security_profile"},
		{"bearer tokens", fapi("tls_client_certificate_bound_access_tokens", false), "invalid_security_profile"},
		{"message signing without keys", fapi("security_profile", ProfileFAPI2MessageSigning, "jwks", nil,
			"token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_subject_dn", "CN=rp"), "invalid_require_signed_request_object"},
		{"require_signed_request_object without keys", map[string]any{"client_type": TypeThirdParty, "require_signed_request_object": true}, "invalid_require_signed_request_object"},
		{"self-signed mTLS without keys", map[string]any{"client_type": TypeThirdParty, "token_endpoint_auth_method": oidc.AuthSelfSignedTLSClient}, "invalid_token_endpoint_auth_method"},
		{"trust anchors that are not PEM", fapi("token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_subject_dn", "CN=rp",
			"tls_client_auth_trust_anchors", "not a certificate"), "invalid_tls_client_auth_trust_anchors"},
		{"trust anchors of a key", fapi("token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_subject_dn", "CN=rp",
			"tls_client_auth_trust_anchors", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"), "invalid_tls_client_auth_trust_anchors"},
		{"trust anchors without tls_client_auth", fapi("tls_client_auth_trust_anchors", selfSignedPEM(t)), "invalid_tls_client_auth_trust_anchors"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/connected_apps/clients", tt.body)
			if code != 400 || out["error_type"] != tt.wantType {
				t.Errorf("got %d %v, want 400 %s", code, out, tt.wantType)
			}
		})
	}

	// FAPI 2.0 ID tokens are never RS256: PS256 unless the client chose.
	c := e.create(fapi())
	if c["security_profile"] != ProfileFAPI2 || c["id_token_signed_response_alg"] != "PS256" || c["require_signed_request_object"] != nil {
		t.Errorf("fapi2 client = %v", c)
	}
	// DPoP-bound tokens are sender-constrained too (§5.3.2.1-5).
	c = e.create(fapi("tls_client_certificate_bound_access_tokens", false, "dpop_bound_access_tokens", true))
	if c["dpop_bound_access_tokens"] != true {
		t.Errorf("fapi2 DPoP client = %v", c)
	}
	// Message Signing: signed request objects and JARM.
	anchors := selfSignedPEM(t)
	c = e.create(fapi("security_profile", ProfileFAPI2MessageSigning, "token_endpoint_auth_method", "tls_client_auth",
		"tls_client_auth_subject_dn", "CN=rp", "tls_client_auth_trust_anchors", anchors))
	if c["require_signed_request_object"] != true || c["authorization_signed_response_alg"] != "PS256" || c["tls_client_auth_trust_anchors"] != anchors {
		t.Errorf("fapi2_message_signing client = %v", c)
	}
	// An ordinary client shows none of it: Stytch's own shape.
	c = e.create(map[string]any{"client_type": TypeFirstParty})
	for _, k := range []string{"security_profile", "require_signed_request_object", "tls_client_auth_trust_anchors"} {
		if _, ok := c[k]; ok {
			t.Errorf("ordinary client has %s: %v", k, c)
		}
	}
}

func TestRulesOf(t *testing.T) {
	bound := store.ClientMetadata{TokenEndpointAuthMethod: "private_key_jwt", TLSClientCertificateBoundAccessTokens: true}
	tests := []struct {
		name string
		c    store.ConnectedApp
		want Rules
	}{
		{"ordinary", store.ConnectedApp{Type: TypeThirdParty}, Rules{}},
		{"ordinary requiring PAR and signed objects", store.ConnectedApp{Type: TypeThirdParty,
			ClientMetadata: store.ClientMetadata{RequirePAR: true, RequireSignedRequestObject: true}},
			Rules{RequirePAR: true, RequireSignedRequestObject: true}},
		{"bank network", store.ConnectedApp{Type: TypeThirdParty, ClientMetadata: store.ClientMetadata{SecurityProfile: ProfileBankNetwork}},
			Rules{RequirePAR: true, RequirePKCE: true}},
		{"fapi2", store.ConnectedApp{Type: TypeThirdParty, ClientMetadata: withProfile(bound, ProfileFAPI2)},
			Rules{RequirePAR: true, RequirePKCE: true, IssuerAudienceOnly: true, MaxCodeLifetime: 60 * time.Second, KeepRefreshToken: true}},
		{"fapi2 message signing", store.ConnectedApp{Type: TypeThirdParty, ClientMetadata: withProfile(bound, ProfileFAPI2MessageSigning)},
			Rules{RequirePAR: true, RequirePKCE: true, IssuerAudienceOnly: true, RequireSignedRequestObject: true, RequireJARM: true,
				MaxCodeLifetime: 60 * time.Second, KeepRefreshToken: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RulesOf(tt.c)
			if got != tt.want {
				t.Errorf("RulesOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func withProfile(m store.ClientMetadata, profile string) store.ClientMetadata {
	m.SecurityProfile = profile
	return m
}
