package users

import (
	"errors"
	"fmt"
)

// The Service's errors. Callers tell them apart with errors.Is and
// errors.As; any other error is an internal failure (a store or key
// fault), whose cause is for the log, not for the person or client.
var (
	// ErrUserNotFound: no user of the project has this user ID or
	// external ID (or it was deleted meanwhile).
	ErrUserNotFound = errors.New("users: user not found")
	// ErrSessionNotFound: the credentials name no live session of the
	// project (unknown, expired, revoked, or a JWT not issued for it).
	ErrSessionNotFound = errors.New("users: session not found")
	// ErrBadCredentials: a wrong email or password, the same error for an
	// unknown email and a user without a password (package doc).
	ErrBadCredentials = errors.New("users: wrong email or password")
	// ErrThrottled: a sign-in attempt refused by the throttles before its
	// password was checked, the same error whichever limit it was and
	// whether or not the account exists (package doc).
	ErrThrottled = errors.New("users: sign-in attempt throttled")
	// ErrBankEmailConflict: another user has the bank's email address and
	// the match is not proven on both sides (both verified), so the
	// verification is refused rather than merged into someone else's
	// account or split into a second account with the same address.
	ErrBankEmailConflict = errors.New("users: a user with the bank's email address exists")
	// ErrBankSubjectConflict: the bank customer is already another user.
	ErrBankSubjectConflict = errors.New("users: the bank customer is another user")
	// ErrNoPassword: the user has no password to change (they sign in
	// with their bank), or no email address to count the attempts by.
	ErrNoPassword = errors.New("users: the user has no password")
)

// InvalidError is input that breaks a rule of users, passwords or
// sessions. Code names the rule; it is the Stytch error_type of that
// refusal (stytch-api.md §2.4), e.g. "invalid_email" or "weak_password",
// so the management API sends it as it is. Message says what is wrong in
// words fit for the caller.
type InvalidError struct {
	Code    string
	Message string
}

func (e *InvalidError) Error() string { return "users: " + e.Code + ": " + e.Message }

// invalid returns an *InvalidError; args format the message.
func invalid(code, format string, args ...any) error {
	return &InvalidError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// DuplicateError is a user that cannot be written because another user of
// the project already has its email, phone number or external ID. The
// unique indexes decide races: of concurrent writes with one email,
// exactly one succeeds and the rest get this error.
type DuplicateError struct {
	Field string // "email", "phone_number" or "external_id"
}

func (e *DuplicateError) Error() string { return "users: another user has this " + e.Field }
