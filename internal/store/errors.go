package store

import (
	"errors"
	"fmt"
)

// Sentinel errors. Backends wrap them; callers test with errors.Is.
var (
	// ErrNotFound: no live record matches (missing, deleted, expired or revoked).
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadyExists: a unique field is taken. The concrete error is a
	// *DuplicateError naming the field.
	ErrAlreadyExists = errors.New("store: already exists")
	// ErrInvalidCursor: a Page.Cursor that no listing of this store made
	// (client input, so the API answers 400, not 500).
	ErrInvalidCursor error = &classified{"store: invalid cursor", invalidCursor}
	// ErrInvalidText: a write carried text the backend cannot hold
	// (PostgreSQL: invalid UTF-8, or a NUL). The API refuses such text at
	// its edges (api.ValidText); this is the last line of defence, which
	// the API answers as invalid input, not as a fault. A read by such a
	// key is ErrNotFound: no record can hold it.
	ErrInvalidText error = &classified{"store: text is not valid UTF-8 or holds a NUL", invalidText}
	// ErrUnavailable: the database did not answer within the operation's
	// deadline, or cannot be reached or written to at all (connection
	// refused, disk full, read-only). The outcome of a write is unknown;
	// callers answer 503 and the client retries (WithDeadline).
	ErrUnavailable error = &classified{"store: unavailable", unavailable}
)

// classified is a sentinel the wire writers (internal/api) must tell apart
// from a fault without importing this package (the dependency fences in
// internal/archtest): each has one method of its class, which api tests
// for with errors.As on an interface of its own.
type classified struct {
	msg   string
	class int
}

const (
	unavailable = iota + 1
	invalidText
	invalidCursor
)

func (e *classified) Error() string { return e.msg }

// Unavailable reports whether the error is ErrUnavailable: the caller may
// retry (a 503).
func (e *classified) Unavailable() bool { return e.class == unavailable }

// InvalidText reports whether the error is ErrInvalidText: the caller's
// input (a 400).
func (e *classified) InvalidText() bool { return e.class == invalidText }

// InvalidCursor reports whether the error is ErrInvalidCursor: the
// caller's input (a 400).
func (e *classified) InvalidCursor() bool { return e.class == invalidCursor }

// DuplicateError reports which unique field a write collided on.
type DuplicateError struct {
	Field string // "email", "phone_number", "external_id", "client_id", "project_id", ...
}

func (e *DuplicateError) Error() string { return fmt.Sprintf("store: duplicate %s", e.Field) }

// Is makes errors.Is(err, ErrAlreadyExists) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrAlreadyExists }

// ErrAlreadyUsed means a one-time credential (authorization code, rotated
// refresh token) was presented again. The operation that reports it has
// already revoked what the credential issued.
var ErrAlreadyUsed = errors.New("store: already used")

// ErrLimitReached means a bound on what one source may hold refused a
// write (CreateBankVerification's runs per client address). Nothing
// was written.
var ErrLimitReached = errors.New("store: limit reached")

// ErrConflict means a compare-and-set found the record changed since the
// caller read it (RotateMasterKey after another rotation). Nothing was
// written.
var ErrConflict = errors.New("store: changed meanwhile")
