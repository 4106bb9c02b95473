package banks

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-id/signet/rp"
)

func TestGranted(t *testing.T) {
	req := []string{"openid", "payment_details"}
	for _, tt := range []struct {
		tokenScope string
		want       bool
	}{
		{"", true}, // RFC 6749 §5.1: omitted means as requested
		{"openid payment_details", true},
		{"openid", false}, // the bank narrowed it
		{"openid  email", false},
	} {
		if got := granted(tt.tokenScope, req, "payment_details"); got != tt.want {
			t.Errorf("granted(%q) = %v, want %v", tt.tokenScope, got, tt.want)
		}
	}
	if granted("", []string{"openid"}, "payment_details") {
		t.Error("granted a scope never requested")
	}
}

func TestBankFailure(t *testing.T) {
	long := strings.Repeat("x", 500)
	for _, tt := range []struct {
		err    error
		code   string
		status int
		says   string
	}{
		{&rp.OAuthError{Code: "access_denied"}, "access_denied", http.StatusForbidden, "You cancelled the verification at Acme Bank"},
		{&rp.OAuthError{Code: "server_error"}, "bank_error", http.StatusBadGateway, "Acme Bank could not verify you (server_error)"},
		{&rp.OAuthError{Code: "x", Description: long}, "bank_error", http.StatusBadGateway, "…"},
		{&rp.ValidationError{Reason: "bad signature"}, "invalid_bank_response", http.StatusBadGateway, "could not be verified"},
		{&rp.TransportError{Op: "par", Err: errors.New("refused")}, "bank_unavailable", http.StatusBadGateway, "could not be reached"},
		{errors.New("disk full"), "server_error", http.StatusInternalServerError, "Try again later"},
	} {
		code, msg, status := bankFailure(tt.err, "Acme Bank")
		if code != tt.code || status != tt.status || !strings.Contains(msg, tt.says) {
			t.Errorf("bankFailure(%v) = %q %q %d", tt.err, code, msg, status)
		}
		if len(msg) > 300 {
			t.Errorf("message not clipped: %d bytes", len(msg))
		}
		if strings.Contains(msg, "disk full") {
			t.Error("an internal cause reached the person")
		}
	}
}
