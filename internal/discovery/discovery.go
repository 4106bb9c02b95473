// Package discovery serves the public, unauthenticated metadata routes:
//
//	GET /.well-known/openid-configuration            OpenID Connect Discovery 1.0 §4
//	GET /.well-known/oauth-authorization-server      RFC 8414 §3
//	GET /.well-known/jwks.json                       every project's published keys
//	GET /v1/public/{project_id}/.well-known/openid-configuration   Stytch legacy alias
//	GET /v1/public/{project_id}/.well-known/jwks.json              one project's keys
//	GET /v1/sessions/jwks/{project_id}               Stytch shape (request_id, status_code)
//	GET /v1/b2b/sessions/jwks/{project_id}           same, for B2B SDK clients
//
// The per-project document differs from the root one in its
// registration_endpoint (RFC 7591 §3): the project's own, where open
// registration knows which project a client joins; the root one takes an
// initial access token, which names the project.
//
// The issuer is the configured base URL (no trailing slash) for every
// project on the instance, because Stytch SDKs accept exactly that value as
// iss. The root JWKS is therefore the union of all projects' keys; the
// per-project routes serve one project's. Both come from the same views of
// the keys (internal/keys), never from a cache of their own, so a key is in
// every JWKS document of every node before it signs.
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// KeySets returns published public keys as JWKS documents (*keys.Manager).
type KeySets interface {
	JWKS(ctx context.Context, projectID string) ([]byte, error)
	// UnionJWKS is the keys of all the projects in one document.
	UnionJWKS(ctx context.Context, projectIDs []string) ([]byte, error)
}

// ProjectLister lists the instance's projects (for the root JWKS).
type ProjectLister interface {
	ListProjects(ctx context.Context) ([]store.Project, error)
	Project(ctx context.Context, id string) (store.Project, error)
}

// Handler serves discovery and JWKS.
type Handler struct {
	Metadata oidc.Metadata // filled by the server with what it mounts
	Keys     KeySets
	Projects ProjectLister
	// ProjectRegistrationEndpoint, if set, is the registration_endpoint
	// of a project's discovery document.
	ProjectRegistrationEndpoint func(projectID string) string

	metadataJSON []byte
}

// Mount registers the routes on mux.
func (h *Handler) Mount(mux api.Router) {
	b, err := json.Marshal(h.Metadata)
	if err != nil {
		panic(err) // a plain struct of strings always marshals
	}
	h.metadataJSON = b
	mux.HandleFunc("GET /.well-known/openid-configuration", h.metadata)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", h.metadata)
	mux.Handle("GET /v1/public/{project_id}/.well-known/openid-configuration", api.Handle(h.projectMetadata))
	mux.Handle("GET /.well-known/jwks.json", api.Handle(h.rootJWKS))
	mux.Handle("GET /v1/public/{project_id}/.well-known/jwks.json", api.Handle(h.projectJWKS))
	mux.Handle("GET /v1/sessions/jwks/{project_id}", api.Handle(h.stytchJWKS))
	mux.Handle("GET /v1/b2b/sessions/jwks/{project_id}", api.Handle(h.stytchJWKS))
}

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	writeCached(w, h.metadataJSON, "public, max-age=300")
}

func (h *Handler) projectMetadata(w http.ResponseWriter, r *http.Request) error {
	id, err := h.project(r)
	if err != nil {
		return err
	}
	if h.ProjectRegistrationEndpoint == nil {
		h.metadata(w, r)
		return nil
	}
	md := h.Metadata
	md.RegistrationEndpoint = h.ProjectRegistrationEndpoint(id)
	b, err := json.Marshal(md)
	if err != nil {
		return api.Internal(err)
	}
	writeCached(w, b, "public, max-age=300")
	return nil
}

func (h *Handler) project(r *http.Request) (string, error) {
	id := r.PathValue("project_id")
	if _, err := h.Projects.Project(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", api.Errorf(http.StatusNotFound, "project_not_found", "No project with that ID exists.")
		}
		return "", api.Internal(err)
	}
	return id, nil
}

func (h *Handler) projectJWKS(w http.ResponseWriter, r *http.Request) error {
	id, err := h.project(r)
	if err != nil {
		return err
	}
	b, err := h.Keys.JWKS(r.Context(), id)
	if err != nil {
		return api.Internal(err)
	}
	writeCached(w, b, "public, max-age=60")
	return nil
}

// jwksResponse is Stytch's JWKS shape: keys plus request_id and status_code.
type jwksResponse struct {
	Keys json.RawMessage `json:"keys"`
	api.Meta
}

func (h *Handler) stytchJWKS(w http.ResponseWriter, r *http.Request) error {
	id, err := h.project(r)
	if err != nil {
		return err
	}
	b, err := h.Keys.JWKS(r.Context(), id)
	if err != nil {
		return api.Internal(err)
	}
	var set struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return api.Internal(err)
	}
	api.Write(w, r, http.StatusOK, &jwksResponse{Keys: set.Keys})
	return nil
}

// rootJWKS serves every project's keys. The project list is read on
// every request: a new project's first keys sign at once, so a cached
// list would leave them out of this document for its lifetime.
func (h *Handler) rootJWKS(w http.ResponseWriter, r *http.Request) error {
	projects, err := h.Projects.ListProjects(r.Context())
	if err != nil {
		return api.Internal(err)
	}
	ids := make([]string, len(projects))
	for i, p := range projects {
		ids[i] = p.ID
	}
	body, err := h.Keys.UnionJWKS(r.Context(), ids)
	if err != nil {
		return api.Internal(err)
	}
	writeCached(w, body, "public, max-age=60")
	return nil
}

func writeCached(w http.ResponseWriter, body []byte, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cacheControl)
	h.Set("Access-Control-Allow-Origin", "*") // public documents, fetched by browsers too
	w.Write(body)
}
