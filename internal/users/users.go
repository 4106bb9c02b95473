package users

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// Stytch-style record IDs: a kind prefix, the environment, a UUID.
func newID(kind string) string { return kind + "-test-" + uuid.NewString() }

// NewUser is a user to create: the fields of users.create
// (stytch-api.md §5.1), and the OIDC address and birthdate a bank
// verification brings (Signet extensions; Stytch users have neither).
type NewUser struct {
	Email             string
	PhoneNumber       string
	Name              *NameUpdate
	TrustedMetadata   json.RawMessage
	UntrustedMetadata json.RawMessage
	ExternalID        string
	Roles             []string
	// Pending creates the user with status "pending" (Stytch's
	// create_user_as_pending); their first sign-in activates them.
	Pending   bool
	Address   *store.Address
	Birthdate string
}

// NameUpdate is the parts of a name to set; a nil part is left as it is.
type NameUpdate struct {
	FirstName  *string
	MiddleName *string
	LastName   *string
}

// UserUpdate is a change to a user (users.update, §5.1): metadata merges
// at the top level (a null value deletes its key); other fields present
// replace stored ones.
type UserUpdate struct {
	Name              *NameUpdate
	TrustedMetadata   json.RawMessage
	UntrustedMetadata json.RawMessage
	// ExternalID: nil keeps it, "" removes it.
	ExternalID *string
	// Roles: nil keeps them, an empty list clears them.
	Roles *[]string
	// Address replaces the stored one when set (an empty one removes
	// it); Birthdate likewise ("" removes it).
	Address   *store.Address
	Birthdate *string
}

// newUser validates the fields shared by CreateUser and CreatePasswordUser
// and builds the record.
func (s *Service) newUser(projectID string, in NewUser) (store.User, error) {
	now := store.Now(s.clock)
	u := store.User{ID: newID("user"), ProjectID: projectID, Status: "active", CreatedAt: now, UpdatedAt: now}
	if in.Pending {
		u.Status = "pending"
	}
	if in.Email != "" {
		if err := checkEmail(in.Email); err != nil {
			return u, err
		}
		u.Email = &store.Email{ID: newID("email"), Address: in.Email}
	}
	if in.PhoneNumber != "" {
		if err := checkPhone(in.PhoneNumber); err != nil {
			return u, err
		}
		u.Phone = &store.Phone{ID: newID("phone-number"), Number: in.PhoneNumber}
	}
	if err := in.Name.apply(&u.Name); err != nil {
		return u, err
	}
	if in.ExternalID != "" {
		if err := checkExternalID(in.ExternalID); err != nil {
			return u, err
		}
		u.ExternalID = in.ExternalID
	}
	if err := checkRoles(in.Roles); err != nil {
		return u, err
	}
	u.Roles = in.Roles
	var err error
	if u.Address, err = checkAddress(in.Address); err != nil {
		return u, err
	}
	if in.Birthdate != "" {
		if err := checkBirthdate(in.Birthdate, now); err != nil {
			return u, err
		}
		u.Birthdate = in.Birthdate
	}
	if u.TrustedMetadata, err = metadataObject("trusted_metadata", in.TrustedMetadata); err != nil {
		return u, err
	}
	if u.UntrustedMetadata, err = metadataObject("untrusted_metadata", in.UntrustedMetadata); err != nil {
		return u, err
	}
	return u, nil
}

// CreateUser creates a user (§5.1 users.create). Errors: *InvalidError,
// *DuplicateError.
func (s *Service) CreateUser(ctx context.Context, projectID string, in NewUser) (store.User, error) {
	u, err := s.newUser(projectID, in)
	if err != nil {
		return store.User{}, err
	}
	if err := s.checkAssignable(ctx, projectID, u.Roles); err != nil {
		return store.User{}, err
	}
	// The unique indexes decide races: of concurrent creates with one
	// email, exactly one succeeds and the rest get a *DuplicateError.
	if err := s.store.CreateUser(ctx, u); err != nil {
		return store.User{}, duplicate(err)
	}
	return u, nil
}

// User returns the user with this user ID or, failing that, external ID.
// ErrUserNotFound if there is none.
func (s *Service) User(ctx context.Context, projectID, idOrExternalID string) (store.User, error) {
	u, err := s.store.User(ctx, projectID, idOrExternalID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrUserNotFound
	}
	return u, err
}

// UpdateUser applies in to the user with this user ID or external ID, in
// one store transaction. Errors: *InvalidError, ErrUserNotFound,
// *DuplicateError.
func (s *Service) UpdateUser(ctx context.Context, projectID, idOrExternalID string, in UserUpdate) (store.User, error) {
	if in.ExternalID != nil && *in.ExternalID != "" {
		if err := checkExternalID(*in.ExternalID); err != nil {
			return store.User{}, err
		}
	}
	if in.Roles != nil {
		if err := checkRoles(*in.Roles); err != nil {
			return store.User{}, err
		}
		if err := s.checkAssignable(ctx, projectID, *in.Roles); err != nil {
			return store.User{}, err
		}
	}
	now := store.Now(s.clock)
	if in.Birthdate != nil && *in.Birthdate != "" {
		if err := checkBirthdate(*in.Birthdate, now); err != nil {
			return store.User{}, err
		}
	}
	address, err := checkAddress(in.Address)
	if err != nil {
		return store.User{}, err
	}
	cur, err := s.User(ctx, projectID, idOrExternalID)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.store.UpdateUser(ctx, projectID, cur.ID, func(u *store.User) error {
		return in.apply(u, address, now)
	})
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		return store.User{}, err
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, ErrUserNotFound // deleted meanwhile
	case err != nil:
		return store.User{}, duplicate(err)
	}
	return u, nil
}

// apply writes the fields in has to u; address is in.Address checked.
func (in UserUpdate) apply(u *store.User, address *store.Address, now time.Time) error {
	if err := in.Name.apply(&u.Name); err != nil {
		return err
	}
	var err error
	if u.TrustedMetadata, err = mergeMetadata("trusted_metadata", u.TrustedMetadata, in.TrustedMetadata); err != nil {
		return err
	}
	if u.UntrustedMetadata, err = mergeMetadata("untrusted_metadata", u.UntrustedMetadata, in.UntrustedMetadata); err != nil {
		return err
	}
	if in.ExternalID != nil {
		u.ExternalID = *in.ExternalID
	}
	if in.Roles != nil {
		u.Roles = *in.Roles
	}
	if in.Address != nil {
		u.Address = address
	}
	if in.Birthdate != nil {
		u.Birthdate = *in.Birthdate
	}
	u.UpdatedAt = now
	return nil
}

// DeleteUser deletes the user with this user ID or external ID, with
// their password and sessions, in one store transaction, and returns who
// it was. ErrUserNotFound if there is none.
func (s *Service) DeleteUser(ctx context.Context, projectID, idOrExternalID string) (store.User, error) {
	u, err := s.User(ctx, projectID, idOrExternalID)
	if err != nil {
		return store.User{}, err
	}
	switch err := s.store.DeleteUser(ctx, projectID, u.ID, store.Now(s.clock)); {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, ErrUserNotFound
	case err != nil:
		return store.User{}, err
	}
	return u, nil
}

// SearchUsers returns one page of the project's users matching q. A
// cursor no search returned is store.ErrInvalidCursor, which every search
// route answers the same way (api.SearchError).
func (s *Service) SearchUsers(ctx context.Context, projectID string, q store.UserQuery) (store.UserResult, error) {
	return s.store.SearchUsers(ctx, projectID, q)
}

// duplicate turns a store duplicate of a field users.create and
// users.update set into a *DuplicateError; anything else is returned as
// it is (an internal failure).
func duplicate(err error) error {
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		switch dup.Field {
		case "email", "phone_number", "external_id":
			return &DuplicateError{Field: dup.Field}
		}
	}
	return err
}
