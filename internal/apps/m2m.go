package apps

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// M2MStore is what the M2M client API reads and writes.
type M2MStore interface {
	CreateM2MClient(ctx context.Context, c store.M2MClient) error
	M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error)
	UpdateM2MClient(ctx context.Context, projectID, clientID string, fn func(*store.M2MClient) error) (store.M2MClient, error)
	DeleteM2MClient(ctx context.Context, projectID, clientID string) error
	SearchM2MClients(ctx context.Context, projectID string, q store.M2MQuery) (store.M2MResult, error)
}

// Forgetter drops a cached client after it changed (Cache does).
type Forgetter interface {
	Forget(clientID string)
}

// M2M serves the M2M client management API (Stytch API §5.5).
type M2M struct {
	Auth   *projects.Auth
	Store  M2MStore
	Cache  Forgetter // told about every change, so tokens stop at once on this node
	Pepper secrets.Pepper
	Now    func() time.Time // default time.Now
	Audit  *audit.Log       // creations, deletions and secret rotations (nil: none)
}

// Mount registers the routes on mux behind project authentication.
func (h *M2M) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	auth := h.Auth
	mux.Handle("POST /v1/m2m/clients", auth.Wrap(h.create))
	mux.Handle("POST /v1/m2m/clients/search", auth.Wrap(h.search))
	mux.Handle("GET /v1/m2m/clients/{client_id}", auth.Wrap(h.get))
	mux.Handle("PUT /v1/m2m/clients/{client_id}", auth.Wrap(h.update))
	mux.Handle("DELETE /v1/m2m/clients/{client_id}", auth.Wrap(h.delete))
	mux.Handle("POST /v1/m2m/clients/{client_id}/secrets/rotate/start", auth.Wrap(h.rotateStart))
	mux.Handle("POST /v1/m2m/clients/{client_id}/secrets/rotate/cancel", auth.Wrap(h.rotateCancel))
	mux.Handle("POST /v1/m2m/clients/{client_id}/secrets/rotate", auth.Wrap(h.rotate))
}

// m2mClient is the wire form of a client (Stytch M2MClient, plus the
// secret fields of M2MClientWithClientSecret / WithNextClientSecret, which
// are only ever filled in the one response that reveals them).
type m2mClient struct {
	ClientID                 string          `json:"client_id"`
	ClientSecret             string          `json:"client_secret,omitempty"`
	NextClientSecret         string          `json:"next_client_secret,omitempty"`
	ClientName               string          `json:"client_name"`
	ClientDescription        string          `json:"client_description"`
	Status                   string          `json:"status"`
	Scopes                   []string        `json:"scopes"`
	ClientSecretLastFour     string          `json:"client_secret_last_four"`
	TrustedMetadata          json.RawMessage `json:"trusted_metadata"`
	NextClientSecretLastFour *string         `json:"next_client_secret_last_four"` // null outside a rotation
}

func wireClient(c store.M2MClient) m2mClient {
	w := m2mClient{
		ClientID:             c.ClientID,
		ClientName:           c.Name,
		ClientDescription:    c.Description,
		Status:               c.Status,
		Scopes:               c.Scopes,
		ClientSecretLastFour: c.SecretLastFour,
		TrustedMetadata:      c.TrustedMetadata,
	}
	if w.Scopes == nil {
		w.Scopes = []string{}
	}
	if len(w.TrustedMetadata) == 0 {
		w.TrustedMetadata = json.RawMessage("{}")
	}
	if len(c.NextSecretHash) > 0 {
		w.NextClientSecretLastFour = &c.NextSecretLastFour
	}
	return w
}

type clientResponse struct {
	M2MClient m2mClient `json:"m2m_client"`
	api.Meta
}

func writeClient(w http.ResponseWriter, r *http.Request, c m2mClient) {
	if c.ClientSecret != "" || c.NextClientSecret != "" {
		// A body carrying a secret must not sit in any cache (RFC 9111 §5.2.2.5).
		api.WriteNoStore(w, r, http.StatusOK, &clientResponse{M2MClient: c})
		return
	}
	api.Write(w, r, http.StatusOK, &clientResponse{M2MClient: c})
}

type createRequest struct {
	ClientID          string          `json:"client_id"`
	ClientSecret      string          `json:"client_secret"`
	ClientName        string          `json:"client_name"`
	ClientDescription string          `json:"client_description"`
	Scopes            []string        `json:"scopes"`
	TrustedMetadata   json.RawMessage `json:"trusted_metadata"`
}

func (h *M2M) create(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req createRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Scopes == nil {
		return api.BadRequest("missing_scopes", "scopes is required (it may be an empty list).")
	}
	scopes, err := checkScopes(req.Scopes)
	if err != nil {
		return err
	}
	meta, err := checkMetadata(req.TrustedMetadata)
	if err != nil {
		return err
	}
	if err := checkText(req.ClientName, req.ClientDescription); err != nil {
		return err
	}
	id := req.ClientID
	if id == "" {
		id = "m2m-client-test-" + uuid.NewString()
	} else if err := checkClientID(id); err != nil {
		return err
	}
	secret := req.ClientSecret
	if secret == "" {
		secret = secrets.New("")
	} else if err := checkImportedSecret(secret); err != nil {
		return err
	}
	now := store.Now(h.Now)
	c := store.M2MClient{
		ClientID:        id,
		ProjectID:       p.ID,
		Name:            req.ClientName,
		Description:     req.ClientDescription,
		Status:          statusActive,
		Scopes:          scopes,
		SecretHash:      h.Pepper.Hash(secret),
		SecretLastFour:  secrets.LastFour(secret),
		TrustedMetadata: meta,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	if err := h.Store.CreateM2MClient(r.Context(), c); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return api.BadRequest("duplicate_client_id", "An M2M client with that client_id already exists.")
		}
		return api.Internal(err)
	}
	h.Audit.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: audit.M2MClientCreate, Subject: id, Outcome: audit.Success})
	out := wireClient(c)
	out.ClientSecret = secret
	writeClient(w, r, out)
	return nil
}

func (h *M2M) get(w http.ResponseWriter, r *http.Request, p store.Project) error {
	c, err := h.Store.M2MClient(r.Context(), p.ID, r.PathValue("client_id"))
	if err != nil {
		return storeErr(err)
	}
	writeClient(w, r, wireClient(c))
	return nil
}

// updateRequest has pointer fields: absent means "leave as is".
type updateRequest struct {
	ClientName        *string         `json:"client_name"`
	ClientDescription *string         `json:"client_description"`
	Status            *string         `json:"status"`
	Scopes            *[]string       `json:"scopes"`
	TrustedMetadata   json.RawMessage `json:"trusted_metadata"`
}

func (h *M2M) update(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req updateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	var scopes []string
	if req.Scopes != nil {
		var err error
		if scopes, err = checkScopes(*req.Scopes); err != nil {
			return err
		}
	}
	var meta json.RawMessage
	if req.TrustedMetadata != nil {
		var err error
		if meta, err = checkMetadata(req.TrustedMetadata); err != nil {
			return err
		}
	}
	if req.Status != nil && *req.Status != statusActive && *req.Status != statusInactive {
		return api.BadRequest("invalid_status", "status must be %q or %q.", statusActive, statusInactive)
	}
	if err := checkText(deref(req.ClientName), deref(req.ClientDescription)); err != nil {
		return err
	}
	now := store.Now(h.Now)
	return h.change(w, r, p, func(c *store.M2MClient) error {
		if req.ClientName != nil {
			c.Name = *req.ClientName
		}
		if req.ClientDescription != nil {
			c.Description = *req.ClientDescription
		}
		if req.Status != nil {
			c.Status = *req.Status
		}
		if req.Scopes != nil {
			c.Scopes = scopes
		}
		if meta != nil {
			c.TrustedMetadata = meta
		}
		c.UpdatedAt = now
		return nil
	})
}

// change applies fn to the stored client in one transaction, forgets the
// cached copy and answers with the result.
func (h *M2M) change(w http.ResponseWriter, r *http.Request, p store.Project, fn func(*store.M2MClient) error) error {
	id := r.PathValue("client_id")
	c, err := h.Store.UpdateM2MClient(r.Context(), p.ID, id, fn)
	if err != nil {
		return storeErr(err)
	}
	h.Cache.Forget(id)
	writeClient(w, r, wireClient(c))
	return nil
}

type deleteResponse struct {
	ClientID string `json:"client_id"`
	api.Meta
}

func (h *M2M) delete(w http.ResponseWriter, r *http.Request, p store.Project) error {
	id := r.PathValue("client_id")
	if err := h.Store.DeleteM2MClient(r.Context(), p.ID, id); err != nil {
		return storeErr(err)
	}
	h.Cache.Forget(id)
	h.Audit.Record(r.Context(), audit.Event{ProjectID: p.ID, Type: audit.M2MClientDelete, Subject: id, Outcome: audit.Success})
	api.Write(w, r, http.StatusOK, &deleteResponse{ClientID: id})
	return nil
}

// storeErr maps a store failure to the envelope.
func storeErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(http.StatusNotFound, "m2m_client_not_found", "No M2M client with that client_id exists in this project.")
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e // returned by an update closure
	}
	return api.Internal(err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
