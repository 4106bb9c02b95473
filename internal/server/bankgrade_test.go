package server

import "testing"

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
