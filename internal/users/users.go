package users

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Stytch-style record IDs: a kind prefix, the environment, a UUID.
func newID(kind string) string { return kind + "-test-" + uuid.NewString() }

type attributesRequest struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

type createUserRequest struct {
	Email               string             `json:"email"`
	PhoneNumber         string             `json:"phone_number"`
	Name                *nameRequest       `json:"name"`
	Attributes          *attributesRequest `json:"attributes"` // accepted; Signet keeps no user attributes
	TrustedMetadata     json.RawMessage    `json:"trusted_metadata"`
	UntrustedMetadata   json.RawMessage    `json:"untrusted_metadata"`
	ExternalID          string             `json:"external_id"`
	Roles               []string           `json:"roles"`
	CreateUserAsPending bool               `json:"create_user_as_pending"`
	// Address and Birthdate are Signet extensions (Stytch users have
	// neither): the OIDC claims a bank verification brings.
	Address   *store.Address `json:"address"`
	Birthdate string         `json:"birthdate"`
}

type createUserResponse struct {
	api.Meta
	UserID  string   `json:"user_id"`
	EmailID string   `json:"email_id"`
	PhoneID string   `json:"phone_id"`
	Status  string   `json:"status"`
	User    userJSON `json:"user"`
}

// newUser validates the fields shared by users.create and passwords.create
// and builds the record.
func (h *Handler) newUser(projectID string, req createUserRequest) (store.User, error) {
	now := h.now()
	u := store.User{ID: newID("user"), ProjectID: projectID, Status: "active", CreatedAt: now, UpdatedAt: now}
	if req.CreateUserAsPending {
		u.Status = "pending"
	}
	if req.Email != "" {
		if err := api.CheckEmail(req.Email); err != nil {
			return u, err
		}
		u.Email = &store.Email{ID: newID("email"), Address: req.Email}
	}
	if req.PhoneNumber != "" {
		if err := api.CheckPhone(req.PhoneNumber); err != nil {
			return u, err
		}
		u.Phone = &store.Phone{ID: newID("phone-number"), Number: req.PhoneNumber}
	}
	if err := req.Name.apply(&u.Name); err != nil {
		return u, err
	}
	if req.ExternalID != "" {
		if err := api.CheckExternalID(req.ExternalID); err != nil {
			return u, err
		}
		u.ExternalID = req.ExternalID
	}
	if err := api.CheckRoles(req.Roles); err != nil {
		return u, err
	}
	u.Roles = req.Roles
	var err error
	if u.Address, err = checkAddress(req.Address); err != nil {
		return u, err
	}
	if req.Birthdate != "" {
		if err := checkBirthdate(req.Birthdate, now); err != nil {
			return u, err
		}
		u.Birthdate = req.Birthdate
	}
	if u.TrustedMetadata, err = api.MetadataObject("trusted_metadata", req.TrustedMetadata); err != nil {
		return u, err
	}
	if u.UntrustedMetadata, err = api.MetadataObject("untrusted_metadata", req.UntrustedMetadata); err != nil {
		return u, err
	}
	return u, nil
}

// createUser is POST /v1/users (§5.1 users.create).
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createUserRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	u, err := h.newUser(p.ID, req)
	if err != nil {
		return err
	}
	// The unique indexes decide races: of concurrent creates with one
	// email, exactly one succeeds and the rest get duplicate_email.
	if err := h.Store.CreateUser(r.Context(), u); err != nil {
		return duplicate(err)
	}
	resp := &createUserResponse{UserID: u.ID, Status: u.Status, User: toUserJSON(u, u.CreatedAt)}
	if u.Email != nil {
		resp.EmailID = u.Email.ID
	}
	if u.Phone != nil {
		resp.PhoneID = u.Phone.ID
	}
	api.Write(w, r, http.StatusOK, resp)
	return nil
}

// getUserResponse is the User flattened into the body (§5.1 users.get).
type getUserResponse struct {
	api.Meta
	userJSON
}

// getUser is GET /v1/users/{user_id}; the path may hold an external ID.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	u, err := h.findUser(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &getUserResponse{userJSON: toUserJSON(u, h.now())})
	return nil
}

type updateUserRequest struct {
	Name              *nameRequest       `json:"name"`
	Attributes        *attributesRequest `json:"attributes"`
	TrustedMetadata   json.RawMessage    `json:"trusted_metadata"`
	UntrustedMetadata json.RawMessage    `json:"untrusted_metadata"`
	// ExternalID: absent keeps it, "" removes it.
	ExternalID *string `json:"external_id"`
	// Roles: absent keeps them, [] clears them (§5.1).
	Roles *[]string `json:"roles"`
	// Address replaces the stored one when present ({} removes it);
	// Birthdate likewise ("" removes it). Signet extensions.
	Address   *store.Address `json:"address"`
	Birthdate *string        `json:"birthdate"`
}

type updateUserResponse struct {
	api.Meta
	UserID        string      `json:"user_id"`
	Emails        []emailJSON `json:"emails"`
	PhoneNumbers  []phoneJSON `json:"phone_numbers"`
	CryptoWallets []struct{}  `json:"crypto_wallets"`
	User          userJSON    `json:"user"`
}

// updateUser is PUT /v1/users/{user_id} (§5.1 users.update). Metadata
// merges at the top level; other fields present replace stored ones.
func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req updateUserRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.ExternalID != nil && *req.ExternalID != "" {
		if err := api.CheckExternalID(*req.ExternalID); err != nil {
			return err
		}
	}
	if req.Roles != nil {
		if err := api.CheckRoles(*req.Roles); err != nil {
			return err
		}
	}
	now := h.now()
	if req.Birthdate != nil && *req.Birthdate != "" {
		if err := checkBirthdate(*req.Birthdate, now); err != nil {
			return err
		}
	}
	address, err := checkAddress(req.Address)
	if err != nil {
		return err
	}
	cur, err := h.findUser(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	u, err := h.Store.UpdateUser(r.Context(), p.ID, cur.ID, func(u *store.User) error {
		return req.apply(u, address, now)
	})
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr):
		return err
	case errors.Is(err, store.ErrNotFound):
		return errUserNotFound // deleted meanwhile
	case err != nil:
		return duplicate(err)
	}
	j := toUserJSON(u, now)
	api.Write(w, r, http.StatusOK, &updateUserResponse{
		UserID: u.ID, Emails: j.Emails, PhoneNumbers: j.PhoneNumbers, CryptoWallets: j.CryptoWallets, User: j,
	})
	return nil
}

// apply writes the fields req has to u; address is req.Address checked.
func (req *updateUserRequest) apply(u *store.User, address *store.Address, now time.Time) error {
	if err := req.Name.apply(&u.Name); err != nil {
		return err
	}
	var err error
	if u.TrustedMetadata, err = api.MergeMetadata("trusted_metadata", u.TrustedMetadata, req.TrustedMetadata); err != nil {
		return err
	}
	if u.UntrustedMetadata, err = api.MergeMetadata("untrusted_metadata", u.UntrustedMetadata, req.UntrustedMetadata); err != nil {
		return err
	}
	if req.ExternalID != nil {
		u.ExternalID = *req.ExternalID
	}
	if req.Roles != nil {
		u.Roles = *req.Roles
	}
	if req.Address != nil {
		u.Address = address
	}
	if req.Birthdate != nil {
		u.Birthdate = *req.Birthdate
	}
	u.UpdatedAt = now
	return nil
}

type deleteUserResponse struct {
	api.Meta
	UserID string `json:"user_id"`
}

// deleteUser is DELETE /v1/users/{user_id}: the user goes with their
// password and sessions, in one store transaction.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	u, err := h.findUser(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	switch err := h.Store.DeleteUser(r.Context(), p.ID, u.ID); {
	case errors.Is(err, store.ErrNotFound):
		return errUserNotFound
	case err != nil:
		return api.Internal(err)
	}
	api.Write(w, r, http.StatusOK, &deleteUserResponse{UserID: u.ID})
	return nil
}
