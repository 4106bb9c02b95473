package apps

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// testJWKS is a JWK Set of one ES256 signing key and one RSA encryption
// key; private includes the private halves.
func testJWKS(t *testing.T, private bool) json.RawMessage {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &ec.PublicKey, KeyID: "sig", Use: "sig", Algorithm: "ES256"},
		{Key: &rk.PublicKey, KeyID: "enc", Use: "enc", Algorithm: "RSA-OAEP"},
	}}
	if private {
		set.Keys[0].Key = ec
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConnectedBankGradeMetadata(t *testing.T) {
	e := newCAEnv(t)
	jwks := testJWKS(t, false)
	c := e.create(map[string]any{
		"client_type": TypeThirdParty, "redirect_urls": []string{"https://bank-rp.example/cb"},
		"jwks": jwks, "token_endpoint_auth_method": "private_key_jwt",
		"require_pushed_authorization_requests": true, "request_object_signing_alg": "PS256",
		"authorization_signed_response_alg": "PS256", "authorization_encrypted_response_alg": "RSA-OAEP",
		"authorization_encrypted_response_enc": "A256CBC-HS512", "id_token_encrypted_response_alg": "RSA-OAEP",
		"tls_client_certificate_bound_access_tokens": true,
	})
	id := c["client_id"].(string)
	if c["token_endpoint_auth_method"] != "private_key_jwt" || c["require_pushed_authorization_requests"] != true ||
		c["authorization_encrypted_response_enc"] != "A256CBC-HS512" || c["id_token_encrypted_response_enc"] != defaultEnc ||
		c["jwks"] == nil || c["tls_client_certificate_bound_access_tokens"] != true {
		t.Errorf("created = %v", c)
	}
	// Switch to tls_client_auth: drop the keys the other fields need.
	code, out, _ := e.call("PUT", "/v1/connected_apps/clients/"+id, map[string]any{
		"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=rp,O=RP Inc",
		"jwks": nil, "request_object_signing_alg": "", "authorization_encrypted_response_alg": "",
		"authorization_encrypted_response_enc": "", "id_token_encrypted_response_alg": "", "id_token_encrypted_response_enc": "",
	})
	got, _ := out["connected_app"].(map[string]any)
	if code != 200 || got["jwks"] != nil || got["tls_client_auth_subject_dn"] != "CN=rp,O=RP Inc" || got["require_pushed_authorization_requests"] != true {
		t.Errorf("update = %d %v", code, out)
	}
	stored, err := e.clients.Lookup(t.Context(), id)
	if err != nil || stored.TokenEndpointAuthMethod != oidc.AuthTLSClient || stored.JWKS != nil {
		t.Errorf("stored = %+v, %v", stored.ClientMetadata, err)
	}
}

func TestConnectedBankGradeValidation(t *testing.T) {
	e := newCAEnv(t)
	pub, priv := testJWKS(t, false), testJWKS(t, true)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"client_type": TypeThirdParty}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		body     map[string]any
		wantType string
	}{
		{"private key in jwks", base("jwks", priv), "invalid_jwks"},
		{"symmetric key", base("jwks", json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)), "invalid_jwks"},
		{"not a set", base("jwks", "keys"), "invalid_jwks"},
		{"jwks and jwks_uri", base("jwks", pub, "jwks_uri", "https://rp.example/jwks"), "invalid_jwks"},
		{"http jwks_uri", base("jwks_uri", "http://rp.example/jwks"), "invalid_jwks_uri"},
		{"unknown auth method", base("token_endpoint_auth_method", "client_secret_jwt"), "invalid_token_endpoint_auth_method"},
		{"none for confidential", base("token_endpoint_auth_method", "none"), "invalid_token_endpoint_auth_method"},
		{"secret for public", map[string]any{"client_type": TypeThirdPartyPublic, "token_endpoint_auth_method": "client_secret_basic"}, "invalid_token_endpoint_auth_method"},
		{"private_key_jwt without keys", base("token_endpoint_auth_method", "private_key_jwt"), "invalid_token_endpoint_auth_method"},
		{"tls_client_auth without name", base("token_endpoint_auth_method", "tls_client_auth"), "invalid_tls_client_auth"},
		{"tls_client_auth two names", base("token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_subject_dn", "CN=a", "tls_client_auth_san_dns", "a.example"), "invalid_tls_client_auth"},
		{"bad san ip", base("token_endpoint_auth_method", "tls_client_auth", "tls_client_auth_san_ip", "300.1.1.1"), "invalid_tls_client_auth"},
		{"RS256 request objects", base("jwks", pub, "request_object_signing_alg", "RS256"), "invalid_request_object_signing_alg"},
		{"none JARM alg", base("authorization_signed_response_alg", "none"), "invalid_authorization_signed_response_alg"},
		{"enc alg without keys", base("authorization_encrypted_response_alg", "RSA-OAEP"), "invalid_authorization_encrypted_response_alg"},
		{"enc without alg", base("jwks", pub, "id_token_encrypted_response_enc", "A256CBC-HS512"), "invalid_id_token_encrypted_response_alg"},
		{"bad enc", base("jwks", pub, "id_token_encrypted_response_alg", "RSA-OAEP", "id_token_encrypted_response_enc", "A999"), "invalid_id_token_encrypted_response_enc"},
		{"enc alg with signing keys only", base("jwks", json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
			"authorization_encrypted_response_alg", "RSA-OAEP"), "invalid_authorization_encrypted_response_alg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/connected_apps/clients", tt.body)
			if code != 400 || out["error_type"] != tt.wantType {
				t.Errorf("got %d %v, want 400 %s", code, out, tt.wantType)
			}
		})
	}
	// A jwks_uri is enough for encryption: its keys are checked when fetched.
	e.create(base("jwks_uri", "https://rp.example/jwks", "authorization_encrypted_response_alg", "RSA-OAEP"))
}

// TestConnectedBackchannelLogout: backchannel_logout_uri and
// backchannel_logout_session_required are set, shown, changed and
// cleared through the clients API, and a URI Signet must not POST to is
// refused (OpenID Connect Back-Channel Logout 1.0 §2.2).
func TestConnectedBackchannelLogout(t *testing.T) {
	e := newCAEnv(t)
	c := e.create(map[string]any{"client_type": TypeThirdParty, "redirect_urls": []string{"https://rp.example/cb"},
		"post_logout_redirect_urls": []string{"https://rp.example/bye"},
		"backchannel_logout_uri":    "https://rp.example/backchannel", "backchannel_logout_session_required": true})
	id := c["client_id"].(string)
	if c["backchannel_logout_uri"] != "https://rp.example/backchannel" || c["backchannel_logout_session_required"] != true {
		t.Errorf("created = %v", c)
	}
	stored, err := e.clients.Lookup(t.Context(), id)
	if err != nil || stored.BackchannelLogoutURI != "https://rp.example/backchannel" || !stored.BackchannelLogoutSessionRequired ||
		len(stored.PostLogoutRedirectURLs) != 1 {
		t.Errorf("stored = %+v, %v", stored, err)
	}
	code, out, _ := e.call("PUT", "/v1/connected_apps/clients/"+id, map[string]any{
		"backchannel_logout_uri": "", "backchannel_logout_session_required": false})
	got, _ := out["connected_app"].(map[string]any)
	if _, has := got["backchannel_logout_uri"]; code != 200 || has || got["backchannel_logout_session_required"] != nil {
		t.Errorf("cleared = %d %v", code, out)
	}
	for _, tt := range []struct{ name, uri string }{
		{"http on a public host", "http://rp.example/backchannel"},
		{"fragment", "https://rp.example/backchannel#x"},
		{"relative", "/backchannel"},
		{"userinfo", "https://u:p@rp.example/backchannel"},
		{"private-use scheme", "com.example.app:/logout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, _ := e.call("POST", "/v1/connected_apps/clients", map[string]any{"client_type": TypeThirdParty,
				"backchannel_logout_uri": tt.uri})
			if code != 400 || out["error_type"] != "invalid_backchannel_logout_uri" {
				t.Errorf("got %d %v, want 400 invalid_backchannel_logout_uri", code, out)
			}
		})
	}
	// A client on the developer's machine.
	e.create(map[string]any{"client_type": TypeThirdParty, "backchannel_logout_uri": "http://127.0.0.1:4000/backchannel"})
	// post_logout_redirect_urls are held to the redirect rules.
	code, out, _ = e.call("POST", "/v1/connected_apps/clients", map[string]any{"client_type": TypeThirdParty,
		"post_logout_redirect_urls": []string{"http://rp.example/bye"}})
	if code != 400 || out["error_type"] != "invalid_post_logout_redirect_urls" {
		t.Errorf("http post_logout_redirect_url: got %d %v", code, out)
	}
}
