package oidc

import (
	"errors"
	"net/http"
)

// ErrorCode is the error member of an OAuth error response
// (RFC 6749 §4.1.2.1 and §5.2): an ASCII code from a registry, not prose.
type ErrorCode string

// Error codes from RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1,
// RFC 9126 §2.3, RFC 9101 §6.3, RFC 7591 §3.2.2 and OpenID Connect Core
// §3.1.2.6.
const (
	InvalidRequest          ErrorCode = "invalid_request"
	InvalidClient           ErrorCode = "invalid_client"
	InvalidGrant            ErrorCode = "invalid_grant"
	UnauthorizedClient      ErrorCode = "unauthorized_client"
	UnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	InvalidScope            ErrorCode = "invalid_scope"
	AccessDenied            ErrorCode = "access_denied"
	UnsupportedResponseType ErrorCode = "unsupported_response_type"
	ServerError             ErrorCode = "server_error"
	TemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	InvalidToken            ErrorCode = "invalid_token"
	InsufficientScope       ErrorCode = "insufficient_scope"
	UnsupportedTokenType    ErrorCode = "unsupported_token_type"
	InteractionRequired     ErrorCode = "interaction_required"
	LoginRequired           ErrorCode = "login_required"
	ConsentRequired         ErrorCode = "consent_required"
	InvalidRequestURI       ErrorCode = "invalid_request_uri"
	InvalidRequestObject    ErrorCode = "invalid_request_object"
	RequestNotSupported     ErrorCode = "request_not_supported"
	RequestURINotSupported  ErrorCode = "request_uri_not_supported"
	// RFC 9449 §12.2.
	InvalidDPoPProof ErrorCode = "invalid_dpop_proof"
	UseDPoPNonce     ErrorCode = "use_dpop_nonce"
	// RFC 7591 §3.2.2: dynamic client registration.
	InvalidRedirectURI          ErrorCode = "invalid_redirect_uri"
	InvalidClientMetadata       ErrorCode = "invalid_client_metadata"
	InvalidSoftwareStatement    ErrorCode = "invalid_software_statement"
	UnapprovedSoftwareStatement ErrorCode = "unapproved_software_statement"
)

// Error is an OAuth error. Description is sent to the client and must not
// carry internal detail; the wrapped cause is for logs only. Make one with
// [NewError] or [Errorf] for each response: an Error is not shared, so no
// caller can change another's.
type Error struct {
	Code        ErrorCode
	Description string
	// Status is the HTTP status for direct (non-redirect) responses.
	Status int
	cause  error
}

// NewError returns an error with the status RFC 6749 §5.2 and RFC 6750 §3.1
// assign to code: 401 for invalid_client and invalid_token, 403 for
// insufficient_scope, 500/503 for server faults, 400 otherwise.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description, Status: statusFor(code)}
}

// Errorf is [NewError] with a cause that is logged but never sent.
func Errorf(code ErrorCode, description string, cause error) *Error {
	e := NewError(code, description)
	e.cause = cause
	return e
}

func statusFor(code ErrorCode) int {
	switch code {
	case InvalidClient, InvalidToken:
		return http.StatusUnauthorized
	case InsufficientScope:
		return http.StatusForbidden
	case ServerError:
		return http.StatusInternalServerError
	case TemporarilyUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

func (e *Error) Error() string {
	if e.Description == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Description
}

// Unwrap returns the internal cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// AsError returns err as an *[Error]; anything else becomes [ServerError]
// with err as its hidden cause.
func AsError(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return Errorf(ServerError, "The server could not complete the request.", err)
}
