package rp

import (
	"fmt"
	"strconv"

	"github.com/signet-id/signet/oidc"
)

// OAuthError is an error the OpenID Provider reported: an error JARM
// (RFC 6749 §4.1.2.1 carried by JARM §2.3), or an error body from the PAR,
// token, userinfo or payment-details endpoint (RFC 6749 §5.2, RFC 6750 §3).
// The text comes from the OP; it never contains our secrets or tokens.
type OAuthError struct {
	Code        oidc.ErrorCode // e.g. oidc.AccessDenied, oidc.InvalidGrant
	Description string
	URI         string
	// StatusCode is the HTTP status of a back-channel error, 0 for an error
	// delivered in the authorization response.
	StatusCode int
}

func (e *OAuthError) Error() string {
	s := "rp: OP error " + strconv.Quote(string(e.Code))
	if e.Description != "" {
		s += ": " + strconv.Quote(e.Description)
	}
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	return s
}

// ValidationError reports that something the OP (or the browser) handed us
// failed one of our checks: a bad signature, a wrong issuer, audience, state
// or nonce, an expired token, a response of the wrong shape. Reason is a
// fixed English sentence; it never quotes tokens, codes or secrets.
type ValidationError struct {
	Reason string
	err    error // underlying cause, e.g. from go-jose; may be nil
}

func (e *ValidationError) Error() string { return "rp: " + e.Reason }

// Unwrap returns the underlying cause, if any.
func (e *ValidationError) Unwrap() error { return e.err }

func invalid(reason string) error { return &ValidationError{Reason: reason} }

func invalidf(cause error, reason string) error { return &ValidationError{Reason: reason, err: cause} }

// TransportError reports that an HTTP exchange with the OP failed before it
// produced an OAuth answer: network and TLS errors, timeouts, and non-2xx
// answers without an OAuth error body (StatusCode is then set).
type TransportError struct {
	Op         string // "discovery", "jwks", "par", "token", "userinfo", "payment_details"
	StatusCode int
	Err        error
}

func (e *TransportError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("rp: %s: HTTP %d", e.Op, e.StatusCode)
	}
	return "rp: " + e.Op + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }
