package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a management-API error in the Stytch envelope. Message is sent to
// the caller; the cause is logged only.
type Error struct {
	Status  int
	Type    string // Stytch error_type, e.g. "user_not_found"
	Message string
	cause   error
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// Errorf returns an envelope error; args format the message.
func Errorf(status int, typ, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Common errors.
var (
	ErrUnauthorized = &Error{Status: http.StatusUnauthorized, Type: "unauthorized_credentials", Message: "Unauthorized credentials."}
	ErrNotFound     = &Error{Status: http.StatusNotFound, Type: "route_not_found", Message: "The requested route does not exist."}
	ErrTooMany      = &Error{Status: http.StatusTooManyRequests, Type: "too_many_requests", Message: "Too many requests; try again later."}
)

// BadRequest is a 400 with the given type and message.
func BadRequest(typ, format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, typ, format, args...)
}

// Internal wraps an unexpected failure: the caller sees a generic 500, the
// log sees cause. A store refusing text (store.ErrInvalidText), which the
// edges should have refused first, is the caller's 400, not a fault.
func Internal(cause error) *Error {
	if storeInvalidText(cause) {
		return &Error{Status: http.StatusBadRequest, Type: "invalid_request", Message: errNotTextMessage, cause: cause}
	}
	return &Error{Status: http.StatusInternalServerError, Type: "internal_server_error",
		Message: "Oops, something seems to have gone wrong. Please try again.", cause: cause}
}

// Unavailable is the 503 of a store that did not answer in time or cannot
// be reached (store.ErrUnavailable): the caller may retry. Stytch names
// this error_type server_unavailable.
func Unavailable(cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Type: "server_unavailable",
		Message: "The service is temporarily unavailable. Please retry the request.", cause: cause}
}

// asError maps any error to an envelope error. A server fault caused by an
// unavailable store is a 503, however the handler wrapped it.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Status < 500 {
		return e
	}
	if storeUnavailable(err) {
		if e != nil && e.cause != nil {
			err = e.cause // log the store's error, not the 500 wrapped around it
		}
		return Unavailable(err)
	}
	if e != nil {
		return e
	}
	return Internal(err)
}

type envelope struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	ErrorURL     string `json:"error_url"`
}

// WriteError writes err as a Stytch error envelope.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	logCause(r, e.Status, e.Type, e.cause)
	writeJSON(w, r, e.Status, envelope{
		StatusCode:   e.Status,
		RequestID:    RequestID(r),
		ErrorType:    e.Type,
		ErrorMessage: e.Message,
		ErrorURL:     errorURL(r, e.Type),
	})
}
