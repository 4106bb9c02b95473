package banks

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/users"
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
		{&rp.OAuthError{Code: "server_error", Description: "down for maintenance"}, "bank_error", http.StatusBadGateway, "This is temporary"},
		{&rp.OAuthError{Code: "temporarily_unavailable"}, "bank_error", http.StatusBadGateway, "This is temporary"},
		{&rp.OAuthError{Code: "login_required"}, "bank_error", http.StatusBadGateway, "sign in there again"},
		// The bank's configuration refused Signet's request: a person
		// cannot fix it, and the protocol words stay in the log.
		{&rp.OAuthError{Code: "invalid_request", Description: "redirect_uri not registered " + long}, "bank_error", http.StatusBadGateway, "not set up correctly"},
		{&rp.OAuthError{Code: "unauthorized_client"}, "bank_error", http.StatusBadGateway, "not set up correctly"},
		{&rp.ValidationError{Reason: "bad signature"}, "invalid_bank_response", http.StatusBadGateway, "could not be verified"},
		{&rp.TransportError{Op: "par", Err: errors.New("refused")}, "bank_unavailable", http.StatusBadGateway, "could not be reached"},
		{errors.New("disk full"), "server_error", http.StatusInternalServerError, "error on our side"},
	} {
		code, msg, status := bankFailure(tt.err, "Acme Bank")
		if code != tt.code || status != tt.status || !strings.Contains(msg, tt.says) {
			t.Errorf("bankFailure(%v) = %q %q %d", tt.err, code, msg, status)
		}
		if len(msg) > 300 {
			t.Errorf("message not clipped: %d bytes", len(msg))
		}
		for _, w := range []string{"disk full", "redirect_uri", "maintenance", "server_error", "invalid_request"} {
			if strings.Contains(msg, w) {
				t.Errorf("%q reached the person: %s", w, msg)
			}
		}
	}
}

// TestAccountFailure: the users service's refusals are told apart by what
// they are (errors.Is, errors.As), wrapped or not, and an envelope-shaped
// error is not mistaken for one of them by its status.
func TestAccountFailure(t *testing.T) {
	for _, tt := range []struct {
		err    error
		code   string
		status int
		says   string
	}{
		{users.ErrBankEmailConflict, "bank_email_conflict", http.StatusConflict, "Sign in to it first"},
		{fmt.Errorf("recording: %w", users.ErrBankSubjectConflict), "bank_subject_conflict", http.StatusConflict, "a different user"},
		{users.ErrUserNotFound, "user_not_found", http.StatusNotFound, "User could not be found."},
		{&users.InvalidError{Code: "invalid_bank_identity", Message: "The bank's answer has no subject."}, "invalid_bank_identity", http.StatusBadRequest, "no subject"},
	} {
		code, msg, status, ok := accountFailure(tt.err)
		if !ok || code != tt.code || status != tt.status || !strings.Contains(msg, tt.says) {
			t.Errorf("accountFailure(%v) = %q %q %d %v", tt.err, code, msg, status, ok)
		}
	}
	for _, err := range []error{
		errors.New("disk full"),
		api.Errorf(http.StatusConflict, "bank_email_conflict", "looks like one, is not"),
	} {
		if code, _, _, ok := accountFailure(err); ok {
			t.Errorf("accountFailure(%v) = %q: an internal failure was shown as a refusal", err, code)
		}
	}
}
