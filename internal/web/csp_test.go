package web

import "testing"

func TestCSPString(t *testing.T) {
	for _, tc := range []struct {
		csp  CSP
		want string
	}{
		{CSP{}, "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"},
		{CSP{Script: true, Styles: []string{"'sha256-x'"}, HTTPSImages: true, FormAction: []string{"'self'", "https://app.example"}},
			"default-src 'self'; script-src 'self'; object-src 'none'; style-src 'self' 'sha256-x'; img-src 'self' https:; base-uri 'none'; frame-ancestors 'none'; form-action 'self' https://app.example"},
	} {
		if got := tc.csp.String(); got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.csp, got, tc.want)
		}
	}
}
