package orgs

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/store"
)

// Store is what the service reads and writes.
type Store interface {
	store.Organizations
}

// Service is the organizations and members domain: validation, defaults,
// policy and the store operations, without HTTP. Its errors are *Error
// (or wrapped store failures); Handler maps them to the wire, and other
// packages may call it directly.
type Service struct {
	Store Store
	Now   func() time.Time // default time.Now
	Audit *audit.Log       // changes of an organization's policy (nil: none)
	// Policies checks role assignments (nil: against the B2B default
	// policy).
	Policies Policies
}

// Stytch-style record IDs: a kind prefix, the environment, a UUID.
func newID(kind string) string { return kind + "-test-" + uuid.NewString() }

// storeErr maps a store failure: ErrNotFound to notFound, a duplicate to
// the Stytch error for its field, anything else wrapped as it is.
func storeErr(err error, notFound *Error) error {
	var dup *store.DuplicateError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound
	case errors.As(err, &dup):
		if e := duplicate(dup.Field); e != nil {
			return e
		}
	}
	var e *Error
	if errors.As(err, &e) {
		return err // from an update function: ours already
	}
	return fmt.Errorf("orgs: %w", err)
}
