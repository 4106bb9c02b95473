package rp

import (
	"errors"
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

// The checks a [ValidationError] reports; test for them with [errors.Is]:
//
//	if errors.Is(err, rp.ErrExpired) { … }
//
// Each ValidationError matches exactly one of them.
var (
	// ErrInvalidArgument: the call cannot be made as asked: incomplete
	// [Proofs], no scope, a [WithParam] naming a parameter the client sets,
	// a [TokenSet] without the token the call needs.
	ErrInvalidArgument = errors.New("rp: invalid argument")
	// ErrIssuerNotAllowed: the issuer is not in [Config.AllowedIssuers], or is
	// not an https URL (http only on loopback or with
	// [Config.InsecureAllowHTTP]) without query and fragment.
	ErrIssuerNotAllowed = errors.New("rp: issuer not allowed")
	// ErrDiscovery: the OP's discovery document names another issuer than
	// the one asked for (OIDC Discovery §4.3), or lacks an endpoint the call
	// needs.
	ErrDiscovery = errors.New("rp: unusable discovery document")
	// ErrMalformed: an answer from the OP, or the callback, lacks what the
	// protocol requires or is not the JSON expected: no JARM in the
	// callback, no code, no Bearer access token or ID token, a JWT without
	// sub, exp or iat, a PAR answer other than 201 with request_uri.
	ErrMalformed = errors.New("rp: malformed response")
	// ErrEncryption: a JARM or ID token is not encrypted when the client has
	// keys (or is when it has none), is encrypted to another key or with
	// other algorithms than RSA-OAEP/A256CBC-HS512, or does not decrypt.
	ErrEncryption = errors.New("rp: encryption check failed")
	// ErrSignature: a JARM or ID token is not a compact PS256 JWS with one
	// signature by a key in the OP's jwks_uri.
	ErrSignature = errors.New("rp: signature check failed")
	// ErrIssuerMismatch: a JARM's or ID token's iss is not the OP's issuer.
	ErrIssuerMismatch = errors.New("rp: issuer mismatch")
	// ErrAudience: a JARM's or ID token's aud does not include the client,
	// or azp names another client (OIDC Core §3.1.3.7).
	ErrAudience = errors.New("rp: audience mismatch")
	// ErrExpired: a JARM or ID token is past its exp (with 10 s of leeway).
	ErrExpired = errors.New("rp: token expired")
	// ErrNotYetValid: a JARM's or ID token's nbf or iat is in the future
	// (with 10 s of leeway).
	ErrNotYetValid = errors.New("rp: token not yet valid")
	// ErrStateMismatch: the authorization response's state is not the
	// login's (RFC 6749 §10.12): another browser's or a forged answer.
	ErrStateMismatch = errors.New("rp: state mismatch")
	// ErrNonceMismatch: the ID token's nonce is not the login's
	// (OIDC Core §3.1.3.7): a replayed or injected ID token.
	ErrNonceMismatch = errors.New("rp: nonce mismatch")
	// ErrAtHashMismatch: the ID token's at_hash does not match the access
	// token it came with (OIDC Core §3.1.3.8).
	ErrAtHashMismatch = errors.New("rp: at_hash mismatch")
	// ErrSubjectMismatch: userinfo's sub (OIDC Core §5.3.2), or a refreshed
	// ID token's (§12.2), is not the ID token's.
	ErrSubjectMismatch = errors.New("rp: subject mismatch")
)

// ValidationError reports that something the OP (or the browser) handed us
// failed one of our checks: a bad signature, a wrong issuer, audience, state
// or nonce, an expired token, a response of the wrong shape. Reason is a
// fixed English sentence; it never quotes tokens, codes or secrets.
// errors.Is tells which check failed (ErrSignature, ErrExpired, …);
// Unwrap returns the underlying cause, such as a go-jose error, if any.
type ValidationError struct {
	Reason string
	kind   error // one of the Err… values above
	err    error // underlying cause, e.g. from go-jose; may be nil
}

func (e *ValidationError) Error() string { return "rp: " + e.Reason }

// Is reports whether target is the check that failed, one of the Err…
// values of this package.
func (e *ValidationError) Is(target error) bool { return target != nil && target == e.kind }

// Unwrap returns the underlying cause, if any.
func (e *ValidationError) Unwrap() error { return e.err }

func invalid(kind error, reason string) error { return &ValidationError{Reason: reason, kind: kind} }

func invalidf(kind, cause error, reason string) error {
	return &ValidationError{Reason: reason, kind: kind, err: cause}
}

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
