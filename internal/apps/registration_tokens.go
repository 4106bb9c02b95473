package apps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// RegistrationTokenStore is what the initial access token routes write.
type RegistrationTokenStore interface {
	CreateRegistrationToken(ctx context.Context, t store.RegistrationToken) error
	DeleteRegistrationToken(ctx context.Context, projectID, id string) error
}

// RegistrationTokens serves the management routes of initial access tokens
// (RFC 7591 §3), which Registration takes (HTTP Basic project_id:secret):
//
//	POST   /v1/connected_apps/registration_tokens                           create (the token shown once)
//	DELETE /v1/connected_apps/registration_tokens/{registration_token_id}  revoke
type RegistrationTokens struct {
	Auth   *projects.Auth
	Store  RegistrationTokenStore
	Pepper secrets.Pepper
	Now    func() time.Time // default time.Now
}

// Bounds of an initial access token: its uses and its lifetime, and the
// defaults, one registration within a day.
const (
	DefaultRegistrationTokenUses = 1
	MaxRegistrationTokenUses     = 1000
	DefaultRegistrationTokenTTL  = 24 * time.Hour
	MinRegistrationTokenTTL      = time.Minute
	MaxRegistrationTokenTTL      = 30 * 24 * time.Hour
)

// NewRegistrationToken makes an initial access token of the project, good
// for uses registrations until now+ttl, and returns its record (to store)
// and the token (to show once). An out-of-bounds uses or ttl is an error
// naming the bounds.
func NewRegistrationToken(pepper secrets.Pepper, projectID string, uses int, ttl time.Duration, now time.Time) (store.RegistrationToken, string, error) {
	if uses < 1 || uses > MaxRegistrationTokenUses {
		return store.RegistrationToken{}, "", fmt.Errorf("max_uses must be between 1 and %d", MaxRegistrationTokenUses)
	}
	if ttl < MinRegistrationTokenTTL || ttl > MaxRegistrationTokenTTL {
		return store.RegistrationToken{}, "", fmt.Errorf("the lifetime must be between %s and %s", MinRegistrationTokenTTL, MaxRegistrationTokenTTL)
	}
	tok := secrets.New("")
	now = store.Time(now)
	return store.RegistrationToken{
		ID:        "registration-token-test-" + uuid.NewString(),
		ProjectID: projectID,
		Hash:      pepper.Hash(tok),
		MaxUses:   uses,
		CreatedAt: now,
		ExpiresAt: store.Time(now.Add(ttl)),
	}, tok, nil
}

// Mount registers the routes on mux behind project authentication.
func (h *RegistrationTokens) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	const base = "/v1/connected_apps/registration_tokens"
	mux.Handle("POST "+base, h.Auth.Wrap(h.create))
	mux.Handle("DELETE "+base+"/{registration_token_id}", h.Auth.Wrap(h.revoke))
}

type registrationTokenCreateRequest struct {
	MaxUses          *int `json:"max_uses"`
	ExpiresInMinutes *int `json:"expires_in_minutes"`
}

type registrationTokenWire struct {
	RegistrationTokenID string    `json:"registration_token_id"`
	Token               string    `json:"token,omitempty"`
	MaxUses             int       `json:"max_uses"`
	ExpiresAt           time.Time `json:"expires_at"`
}

type registrationTokenResponse struct {
	RegistrationToken registrationTokenWire `json:"registration_token"`
	api.Meta
}

func (h *RegistrationTokens) create(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req registrationTokenCreateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	uses, ttl := DefaultRegistrationTokenUses, DefaultRegistrationTokenTTL
	if req.MaxUses != nil {
		uses = *req.MaxUses
	}
	if req.ExpiresInMinutes != nil {
		ttl = time.Duration(*req.ExpiresInMinutes) * time.Minute
		if *req.ExpiresInMinutes > int(MaxRegistrationTokenTTL/time.Minute) {
			ttl = MaxRegistrationTokenTTL + time.Minute // out of bounds, without overflowing
		}
	}
	t, tok, err := NewRegistrationToken(h.Pepper, p.ID, uses, ttl, h.Now())
	if err != nil {
		return api.BadRequest("invalid_argument", "%s (expires_in_minutes: %d to %d).", err.Error(),
			int(MinRegistrationTokenTTL/time.Minute), int(MaxRegistrationTokenTTL/time.Minute))
	}
	if err := h.Store.CreateRegistrationToken(r.Context(), t); err != nil {
		return api.Internal(err)
	}
	api.WriteNoStore(w, r, http.StatusOK, &registrationTokenResponse{RegistrationToken: registrationTokenWire{
		RegistrationTokenID: t.ID, Token: tok, MaxUses: t.MaxUses, ExpiresAt: t.ExpiresAt.UTC(),
	}})
	return nil
}

type registrationTokenDeleteResponse struct {
	RegistrationTokenID string `json:"registration_token_id"`
	api.Meta
}

func (h *RegistrationTokens) revoke(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id := r.PathValue("registration_token_id")
	if err := h.Store.DeleteRegistrationToken(r.Context(), p.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return api.Errorf(http.StatusNotFound, "registration_token_not_found", "No initial access token with that ID exists in this project.")
		}
		return api.Internal(err)
	}
	api.Write(w, r, http.StatusOK, &registrationTokenDeleteResponse{RegistrationTokenID: id})
	return nil
}
