package rp

import "testing"

// The discovery document is read into oidc.Metadata; a member of the
// wrong type that the client does not read does not make it unusable (the
// client used to declare only the members it reads), and one it reads is
// dropped, so the endpoint checks refuse the document.
func TestDecodeMetadata(t *testing.T) {
	md, err := decodeMetadata([]byte(`{"issuer":"https://op.example","token_endpoint":"https://op.example/token",
		"pushed_authorization_request_endpoint":"https://op.example/par",
		"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.op.example/token"},
		"claims_parameter_supported":"true","scopes_supported":"openid","request_uri_parameter_supported":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if md.Issuer != "https://op.example" || md.TokenEndpoint != "https://op.example/token" ||
		md.PushedAuthorizationRequestEndpoint != "https://op.example/par" ||
		md.MTLSEndpointAliases == nil || md.MTLSEndpointAliases.TokenEndpoint != "https://mtls.op.example/token" {
		t.Errorf("metadata = %+v", md)
	}
	if md, err := decodeMetadata([]byte(`{"issuer":"https://op.example","token_endpoint":5}`)); err != nil || md.TokenEndpoint != "" || md.Issuer == "" {
		t.Errorf("wrongly typed token_endpoint: %+v, %v", md, err)
	}
	for _, doc := range []string{`[]`, `"x"`, `{"issuer":`} {
		if _, err := decodeMetadata([]byte(doc)); err == nil {
			t.Errorf("%s decoded", doc)
		}
	}
}
