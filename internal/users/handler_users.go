package users

import (
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// The users routes (§5.1): requests as the wire has them, turned into the
// service's inputs.

type attributesRequest struct {
	IPAddress string `json:"ip_address"`
	UserAgent string `json:"user_agent"`
}

type nameRequest struct {
	FirstName  *string `json:"first_name"`
	MiddleName *string `json:"middle_name"`
	LastName   *string `json:"last_name"`
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

// createUser is POST /v1/users (§5.1 users.create).
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createUserRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	u, err := h.Service.CreateUser(r.Context(), p.ID, NewUser{
		Email: req.Email, PhoneNumber: req.PhoneNumber, Name: (*NameUpdate)(req.Name),
		TrustedMetadata: req.TrustedMetadata, UntrustedMetadata: req.UntrustedMetadata,
		ExternalID: req.ExternalID, Roles: req.Roles, Pending: req.CreateUserAsPending,
		Address: req.Address, Birthdate: req.Birthdate,
	})
	if err != nil {
		return err
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
	u, err := h.Service.User(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &getUserResponse{userJSON: toUserJSON(u, store.Now(h.Service.clock))})
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
	u, err := h.Service.UpdateUser(r.Context(), p.ID, r.PathValue("user_id"), UserUpdate{
		Name: (*NameUpdate)(req.Name), TrustedMetadata: req.TrustedMetadata, UntrustedMetadata: req.UntrustedMetadata,
		ExternalID: req.ExternalID, Roles: req.Roles, Address: req.Address, Birthdate: req.Birthdate,
	})
	if err != nil {
		return err
	}
	j := toUserJSON(u, u.UpdatedAt)
	api.Write(w, r, http.StatusOK, &updateUserResponse{
		UserID: u.ID, Emails: j.Emails, PhoneNumbers: j.PhoneNumbers, CryptoWallets: j.CryptoWallets, User: j,
	})
	return nil
}

type deleteUserResponse struct {
	api.Meta
	UserID string `json:"user_id"`
}

// deleteUser is DELETE /v1/users/{user_id}: the user goes with their
// password and sessions, in one store transaction.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, p store.Project) error {
	u, err := h.Service.DeleteUser(r.Context(), p.ID, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &deleteUserResponse{UserID: u.ID})
	return nil
}
