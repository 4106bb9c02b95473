package oidc

import (
	"errors"
	"net/http"
)

// Error codes from RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1,
// RFC 9126 §2.3, RFC 9101 §6.3 and OpenID Connect Core §3.1.2.6.
const (
	InvalidRequest          = "invalid_request"
	InvalidClient           = "invalid_client"
	InvalidGrant            = "invalid_grant"
	UnauthorizedClient      = "unauthorized_client"
	UnsupportedGrantType    = "unsupported_grant_type"
	InvalidScope            = "invalid_scope"
	AccessDenied            = "access_denied"
	UnsupportedResponseType = "unsupported_response_type"
	ServerError             = "server_error"
	TemporarilyUnavailable  = "temporarily_unavailable"
	InvalidToken            = "invalid_token"
	InsufficientScope       = "insufficient_scope"
	UnsupportedTokenType    = "unsupported_token_type"
	InteractionRequired     = "interaction_required"
	LoginRequired           = "login_required"
	ConsentRequired         = "consent_required"
	InvalidRequestURI       = "invalid_request_uri"
	InvalidRequestObject    = "invalid_request_object"
	RequestNotSupported     = "request_not_supported"
	RequestURINotSupported  = "request_uri_not_supported"
)

// Error is an OAuth error. Description is sent to the client and must not
// carry internal detail; the wrapped cause is for logs only.
type Error struct {
	Code        string
	Description string
	// Status is the HTTP status for direct (non-redirect) responses.
	Status int
	cause  error
}

// NewError returns an error with the status RFC 6749 §5.2 and RFC 6750 §3.1
// assign to code: 401 for invalid_client and invalid_token, 403 for
// insufficient_scope, 500/503 for server faults, 400 otherwise.
func NewError(code, description string) *Error {
	return &Error{Code: code, Description: description, Status: statusFor(code)}
}

// Errorf is NewError with a cause that is logged but never sent.
func Errorf(code, description string, cause error) *Error {
	e := NewError(code, description)
	e.cause = cause
	return e
}

func statusFor(code string) int {
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
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the internal cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// AsError returns err as an *Error; anything else becomes server_error with
// err as its hidden cause.
func AsError(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return Errorf(ServerError, "The server could not complete the request.", err)
}
