package token

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/oidc"
)

func TestParseBasic(t *testing.T) {
	for _, tt := range []struct {
		header, wantID, wantSecret string
		wantErr                    bool
	}{
		{"Basic Y2xpZW50OnNlY3JldA==", "client", "secret", false},
		{"basic Y2xpZW50OnNlY3JldA==", "client", "secret", false}, // scheme is case-insensitive (RFC 9110 §11.1)
		// "a%3Ab:c%25d+e" -> id "a:b", secret "c%d e" (RFC 6749 §2.3.1).
		{"Basic YSUzQWI6YyUyNWQrZQ==", "a:b", "c%d e", false},
		{"Basic Y2xpZW50", "", "", true},     // no colon
		{"Basic OnNlY3JldA==", "", "", true}, // empty id
		{"Basic YSUyOmI=", "", "", true},     // "a%2:b": bad escape
		{"Bearer abc", "", "", true},
		{"Basic", "", "", true},
		{"Basic AGE6Yg==", "", "", true}, // "\x00a:b": not text
		{"Basic YSUwMDpi", "", "", true}, // "a%00:b": not text once decoded
		{"Basic YTr/", "", "", true},     // "a:\xff"
	} {
		id, secret, err := parseBasic(tt.header)
		if (err != nil) != tt.wantErr || id != tt.wantID || secret != tt.wantSecret {
			t.Errorf("parseBasic(%q) = %q, %q, %v", tt.header, id, secret, err)
		}
	}
}

// FuzzParseRequest: any body, content type and Authorization header yields
// a request or an invalid_request / invalid_client error whose description
// fits RFC 6749 §5.2, never a panic.
func FuzzParseRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&client_id=a&client_secret=b", "application/x-www-form-urlencoded", "")
	f.Add(`{"grant_type":"client_credentials","scope":"a b"}`, "application/json", "Basic YTpi")
	f.Add("a=1&a=2", "application/x-www-form-urlencoded; charset=utf-8", "Basic !!")
	f.Add(`{"x\"":1}`, "application/json", "")
	f.Add("grant_type=client_credentials&client_id=%00", "application/x-www-form-urlencoded", "Basic AGE6Yg==")
	f.Add(`{"grant_type":"refresh_token","refresh_token":"\ud800"}`, "application/json", "Basic YSUwMDpi")
	f.Fuzz(func(t *testing.T, body, ct, auth string) {
		r := httptest.NewRequest("POST", "/v1/oauth2/token", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		req, err := parseRequest(httptest.NewRecorder(), r)
		if err == nil {
			if req.GrantType == "" {
				t.Fatal("parsed a request without grant_type")
			}
			// Nothing that is not text gets past the parser (api.ValidText).
			for k, v := range req.params {
				if !api.ValidText(k) || !api.ValidText(v) {
					t.Fatalf("parameter %q=%q is not text", k, v)
				}
			}
			if !api.ValidText(req.basicID) || !api.ValidText(req.basicSecret) {
				t.Fatalf("Basic credentials %q:%q are not text", req.basicID, req.basicSecret)
			}
			return
		}
		var oe *oidc.Error
		if !errors.As(err, &oe) || (oe.Code != oidc.InvalidRequest && oe.Code != oidc.InvalidClient) {
			t.Fatalf("error %v is not invalid_request or invalid_client", err)
		}
		for _, c := range []byte(oe.Description) {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				t.Fatalf("error_description %q has a byte RFC 6749 §5.2 forbids", oe.Description)
			}
		}
	})
}
