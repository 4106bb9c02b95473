package server

import (
	"slices"
	"strings"
	"testing"
)

// TestDiscoveryBankGrade checks what the PAR and request-object support
// publishes (RFC 9126 §5, RFC 9101 §10.5, FAPI 2.0 discovery checks).
func TestDiscoveryBankGrade(t *testing.T) {
	ts := newTestServer(t)
	_, md := ts.do(t, "GET", "/.well-known/openid-configuration", "", "", false)
	if md["pushed_authorization_request_endpoint"] != ts.URL+"/oauth2/par" {
		t.Errorf("pushed_authorization_request_endpoint = %v", md["pushed_authorization_request_endpoint"])
	}
	// Both must be present as booleans: false is not the default of the second.
	if v, ok := md["require_pushed_authorization_requests"].(bool); !ok || v {
		t.Errorf("require_pushed_authorization_requests = %v, want false", md["require_pushed_authorization_requests"])
	}
	if v, ok := md["request_uri_parameter_supported"].(bool); !ok || v {
		t.Errorf("request_uri_parameter_supported = %v, want false", md["request_uri_parameter_supported"])
	}
	if md["request_parameter_supported"] != true {
		t.Errorf("request_parameter_supported = %v", md["request_parameter_supported"])
	}
	algs, _ := md["request_object_signing_alg_values_supported"].([]any)
	if len(algs) != 2 || algs[0] != "PS256" || algs[1] != "ES256" {
		t.Errorf("request_object_signing_alg_values_supported = %v", algs)
	}
}

// TestDiscoveryBankNetwork checks what the bank network's clients read
// from discovery (reference/idpartner-protocol.md §4.1, §5): the claims
// parameter, the ID token algorithms, and the payment details endpoint
// with its mTLS alias when there is an mTLS listener.
func TestDiscoveryBankNetwork(t *testing.T) {
	md := (&Server{cfg: Config{Issuer: "https://op.example", MTLSBaseURL: "https://mtls.op.example"}}).metadata()
	if !md.ClaimsParameterSupported {
		t.Error("claims_parameter_supported is false")
	}
	if md.PaymentDetailsInfoEndpoint != "https://op.example/v1/oauth2/payment_details" {
		t.Errorf("payment_details_info_endpoint = %q", md.PaymentDetailsInfoEndpoint)
	}
	if a := md.MTLSEndpointAliases; a == nil || a.PaymentDetailsInfoEndpoint != "https://mtls.op.example/v1/oauth2/payment_details" {
		t.Errorf("mtls_endpoint_aliases = %+v", a)
	}
	for field, got := range map[string][]string{
		"id_token_signing_alg_values_supported":    md.IDTokenSigningAlgValuesSupported,
		"id_token_encryption_alg_values_supported": md.IDTokenEncryptionAlgValuesSupported,
		"id_token_encryption_enc_values_supported": md.IDTokenEncryptionEncValuesSupported,
		"scopes_supported":                         md.ScopesSupported,
		"claims_supported":                         md.ClaimsSupported,
	} {
		want := map[string]string{
			"id_token_signing_alg_values_supported":    "PS256",
			"id_token_encryption_alg_values_supported": "RSA-OAEP",
			"id_token_encryption_enc_values_supported": "A256CBC-HS512",
			"scopes_supported":                         "payment_details",
			"claims_supported":                         "age_over_21",
		}[field]
		if !slices.Contains(got, want) {
			t.Errorf("%s = %v, lacks %s", field, got, want)
		}
	}
	if !slices.Contains(md.IDTokenSigningAlgValuesSupported, "RS256") {
		t.Error("id_token_signing_alg_values_supported lacks RS256 (OIDC Discovery §3)")
	}
}

// A project has its PS256 and ES256 keys, published, before any client
// registers them for JARM or ID tokens: the first response signed with one
// carries a kid that a relying party's JWKS, fetched before the flow, holds
// (OpenID Connect Core §10.1.1). Registration makes no key.
func TestSigningKeysPublishedBeforeRegistration(t *testing.T) {
	ts := newTestServer(t)
	jwksKids := func() []string {
		_, out := ts.do(t, "GET", "/v1/public/"+ts.projectID+"/.well-known/jwks.json", "", "", false)
		var kids []string
		for _, k := range out["keys"].([]any) {
			kids = append(kids, k.(map[string]any)["alg"].(string)+" "+k.(map[string]any)["kid"].(string))
		}
		return kids
	}
	before := jwksKids()
	for _, alg := range []string{"PS256", "ES256"} {
		if !slices.ContainsFunc(before, func(k string) bool { return strings.HasPrefix(k, alg+" ") }) {
			t.Fatalf("new project's JWKS %v lacks a %s key", before, alg)
		}
	}
	resp, out := ts.do(t, "POST", "/v1/connected_apps/clients", "application/json",
		`{"client_type":"third_party","client_name":"Bank RP","redirect_urls":["https://rp.example/cb"],
		  "authorization_signed_response_alg":"PS256","id_token_signed_response_alg":"ES256"}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create = %d %v", resp.StatusCode, out)
	}
	if after := jwksKids(); !slices.Equal(after, before) {
		t.Errorf("JWKS after registration = %v, want it unchanged: %v", after, before)
	}
}
