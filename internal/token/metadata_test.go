package token_test

import (
	"net/http"
	"slices"
	"testing"
)

// The discovery document advertises the token side as served, and every
// advertised endpoint answers.
func TestDiscoveryMetadata(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.url+"/.well-known/openid-configuration", nil)
	md := e.send(req).body
	list := func(k string) []string { return toStrings(md[k]) }
	for _, tt := range []struct {
		field string
		want  []string
	}{
		{"grant_types_supported", []string{"authorization_code", "refresh_token", "client_credentials"}},
		{"token_endpoint_auth_methods_supported", []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth", "none"}},
		{"introspection_endpoint_auth_methods_supported", []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"}},
		{"revocation_endpoint_auth_methods_supported", []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth", "none"}},
		// The default and what a client may register (internal/apps).
		{"id_token_signing_alg_values_supported", []string{"RS256", "PS256", "ES256"}},
		{"id_token_encryption_alg_values_supported", []string{"RSA-OAEP", "RSA-OAEP-256"}},
		{"id_token_encryption_enc_values_supported", []string{"A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"}},
		{"scopes_supported", []string{"openid", "profile", "email", "address", "phone",
			"age_over_18", "age_over_21", "age_over_25", "payment_details", "offline_access"}},
	} {
		if got := list(tt.field); !slices.Equal(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.field, got, tt.want)
		}
	}
	if md["claims_parameter_supported"] != true {
		t.Errorf("claims_parameter_supported = %v", md["claims_parameter_supported"])
	}
	for _, claim := range []string{"sub", "auth_time", "nonce", "at_hash", "name", "email", "email_verified", "phone_number", "updated_at",
		"birthdate", "address", "age_over_18", "age_over_21", "age_over_25", "payment_details"} {
		if !slices.Contains(list("claims_supported"), claim) {
			t.Errorf("claims_supported lacks %s", claim)
		}
	}
	for _, ep := range []struct{ field, method, path string }{
		{"token_endpoint", "POST", "/v1/oauth2/token"},
		{"userinfo_endpoint", "GET", "/v1/oauth2/userinfo"},
		{"introspection_endpoint", "POST", "/v1/oauth2/introspect"},
		{"revocation_endpoint", "POST", "/v1/oauth2/revoke"},
		{"payment_details_info_endpoint", "GET", "/v1/oauth2/payment_details"},
	} {
		if md[ep.field] != e.url+ep.path {
			t.Errorf("%s = %v, want %s", ep.field, md[ep.field], e.url+ep.path)
			continue
		}
		req, _ := http.NewRequest(ep.method, e.url+ep.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 404 || resp.StatusCode == 405 {
			t.Errorf("%s %s = %d", ep.method, ep.path, resp.StatusCode)
		}
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}
